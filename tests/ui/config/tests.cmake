# Suites for ui/config.
alig_add_test(tst_ui_experiment_panel ${CMAKE_CURRENT_LIST_DIR}/tst_ui_experiment_panel.cpp)
