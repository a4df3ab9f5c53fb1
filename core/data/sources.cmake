# Sources of core/data (see core/CMakeLists.txt).
