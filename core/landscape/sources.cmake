# Sources of core/landscape (see core/CMakeLists.txt).
target_sources(alig_landscape PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/surface.cpp
    ${CMAKE_CURRENT_LIST_DIR}/trajectory.cpp)
