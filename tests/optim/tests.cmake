# Suites for core/optim.
alig_add_test(tst_alig_optimizer ${CMAKE_CURRENT_LIST_DIR}/tst_alig_optimizer.cpp)
alig_add_test(tst_baseline_optimizers ${CMAKE_CURRENT_LIST_DIR}/tst_baseline_optimizers.cpp)
alig_add_test(tst_tuning_free_optimizers ${CMAKE_CURRENT_LIST_DIR}/tst_tuning_free_optimizers.cpp)
alig_add_test(tst_lr_schedule ${CMAKE_CURRENT_LIST_DIR}/tst_lr_schedule.cpp)
# The fused CUDA ALI-G step against the LibTorch path; skips where LibTorch sees no GPU.
alig_add_test(tst_alig_fused ${CMAKE_CURRENT_LIST_DIR}/tst_alig_fused.cpp)
if(ALIG_TORCH_HAS_CUDA)
    target_compile_definitions(tst_alig_fused PRIVATE ALIG_TEST_CUDA)
endif()
# The catalogue reads the docs and the sources of this tree.
alig_add_test(tst_optimizer_catalogue ${CMAKE_CURRENT_LIST_DIR}/tst_optimizer_catalogue.cpp)
target_compile_definitions(tst_optimizer_catalogue PRIVATE ALIG_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
