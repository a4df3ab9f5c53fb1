# Sources of core/models (see core/CMakeLists.txt).
