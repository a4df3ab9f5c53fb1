# Sources of core/util (see core/CMakeLists.txt).
target_sources(alig_core PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/paths.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_lock.cpp)
