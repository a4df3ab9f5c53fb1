# Suites for ui/window.
alig_add_test(tst_ui_main_window ${CMAKE_CURRENT_LIST_DIR}/tst_ui_main_window.cpp)
alig_add_test(tst_ui_metrics_export ${CMAKE_CURRENT_LIST_DIR}/tst_ui_metrics_export.cpp)
alig_add_test(tst_ui_run_identity ${CMAKE_CURRENT_LIST_DIR}/tst_ui_run_identity.cpp)
