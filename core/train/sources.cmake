# Sources of core/train (see core/CMakeLists.txt).
target_sources(alig_train PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/checkpoint_file.cpp
    ${CMAKE_CURRENT_LIST_DIR}/device.cpp
    ${CMAKE_CURRENT_LIST_DIR}/gradient_sync.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parallel_parts.cpp
    ${CMAKE_CURRENT_LIST_DIR}/progress_printer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/trainer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/training_config.cpp)
# at::parallel_for's OpenMP pragma is compiled into its caller: this one file is built with
# OpenMP (and without the precompiled header, which is built without it), so that a batch's
# parts run side by side on LibTorch's threads (Trainer::splitForwardBackward).
find_package(OpenMP REQUIRED COMPONENTS CXX)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/parallel_parts.cpp PROPERTIES
    COMPILE_OPTIONS "${OpenMP_CXX_FLAGS}" SKIP_PRECOMPILE_HEADERS ON)
target_link_libraries(alig_train PRIVATE ${OpenMP_CXX_LIBRARIES})
# Torch-free (see alig_runtime in core/CMakeLists.txt).
target_sources(alig_runtime PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/blas_kernel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/runtime_env.cpp)
