# Suites for core/optim.
alig_add_test(tst_alig_optimizer ${CMAKE_CURRENT_LIST_DIR}/tst_alig_optimizer.cpp)
