# Suites for core/optim.
alig_add_test(tst_alig_optimizer ${CMAKE_CURRENT_LIST_DIR}/tst_alig_optimizer.cpp)
alig_add_test(tst_baseline_optimizers ${CMAKE_CURRENT_LIST_DIR}/tst_baseline_optimizers.cpp)
alig_add_test(tst_lr_schedule ${CMAKE_CURRENT_LIST_DIR}/tst_lr_schedule.cpp)
