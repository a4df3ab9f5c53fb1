# Suites for ui/run.
alig_add_test(tst_ui_run ${CMAKE_CURRENT_LIST_DIR}/tst_ui_run.cpp)
alig_add_test(tst_ui_run_controller ${CMAKE_CURRENT_LIST_DIR}/tst_ui_run_controller.cpp)
