# Suites for core/experiment.
alig_add_test(tst_experiment_config ${CMAKE_CURRENT_LIST_DIR}/tst_experiment_config.cpp)
alig_add_test(tst_run_store ${CMAKE_CURRENT_LIST_DIR}/tst_run_store.cpp)
alig_add_test(tst_comparison ${CMAKE_CURRENT_LIST_DIR}/tst_comparison.cpp)
alig_add_test(tst_run_schema ${CMAKE_CURRENT_LIST_DIR}/tst_run_schema.cpp)
alig_add_test(tst_run_label ${CMAKE_CURRENT_LIST_DIR}/tst_run_label.cpp)
alig_add_test(tst_run_tail ${CMAKE_CURRENT_LIST_DIR}/tst_run_tail.cpp)
