# Sources of core/train (see core/CMakeLists.txt).
target_sources(alig_train PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/checkpoint_file.cpp
    ${CMAKE_CURRENT_LIST_DIR}/device.cpp
    ${CMAKE_CURRENT_LIST_DIR}/gradient_sync.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parallel_parts.cpp
    ${CMAKE_CURRENT_LIST_DIR}/progress_printer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/trainer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/training_config.cpp)
# A batch's parts side by side on LibTorch's threads (Trainer::splitForwardBackward).
alig_parallel_source(alig_train ${CMAKE_CURRENT_LIST_DIR}/parallel_parts.cpp)
# Torch-free (see alig_runtime in core/CMakeLists.txt).
target_sources(alig_runtime PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/blas_kernel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/runtime_env.cpp)
