# Sources of core/optim (see core/CMakeLists.txt).
target_sources(alig_core PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/alig.cpp
    ${CMAKE_CURRENT_LIST_DIR}/grad_norm.cpp
    ${CMAKE_CURRENT_LIST_DIR}/optim_support.cpp
    ${CMAKE_CURRENT_LIST_DIR}/optimizer_factory.cpp)
