# Sources of core/train (see core/CMakeLists.txt).
