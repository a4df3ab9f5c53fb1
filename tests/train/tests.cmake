# Suites for core/train.
alig_add_test(tst_trainer ${CMAKE_CURRENT_LIST_DIR}/tst_trainer.cpp)
alig_add_test(tst_blas_kernel ${CMAKE_CURRENT_LIST_DIR}/tst_blas_kernel.cpp)
alig_add_test(tst_autocast ${CMAKE_CURRENT_LIST_DIR}/tst_autocast.cpp)
