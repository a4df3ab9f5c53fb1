# Sources of ui/window (see ui/CMakeLists.txt).
