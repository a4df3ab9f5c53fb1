# The fused CUDA ALI-G step (see the CUDA section of the top-level CMakeLists.txt).
# alig_fused.cpp is always built: without the kernels it reports them unavailable.
target_sources(alig_optim PRIVATE ${CMAKE_CURRENT_LIST_DIR}/alig_fused.cpp)
if(CMAKE_CUDA_COMPILER)
    add_library(alig_cuda_kernels OBJECT ${CMAKE_CURRENT_LIST_DIR}/alig_fused_kernels.cu)
    target_include_directories(alig_cuda_kernels PRIVATE ${PROJECT_SOURCE_DIR})
    set_target_properties(alig_cuda_kernels PROPERTIES
        CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON POSITION_INDEPENDENT_CODE ON)
    if(ALIG_TORCH_HAS_CUDA)
        find_package(CUDAToolkit REQUIRED)
        target_sources(alig_optim PRIVATE $<TARGET_OBJECTS:alig_cuda_kernels>)
        target_link_libraries(alig_optim PUBLIC CUDA::cudart)
        set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/alig_fused.cpp PROPERTIES
            COMPILE_DEFINITIONS ALIG_HAVE_FUSED_CUDA)
        message(STATUS "Fused CUDA ALI-G step: on (${CMAKE_CUDA_COMPILER})")
    else()
        # A compile check only: `cmake --build ... --target alig_cuda_kernels`.
        message(STATUS "Fused CUDA ALI-G kernels: compiled for checking, not linked (CPU LibTorch)")
    endif()
endif()
