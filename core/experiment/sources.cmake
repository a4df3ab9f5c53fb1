# Sources of core/experiment (see core/CMakeLists.txt).
