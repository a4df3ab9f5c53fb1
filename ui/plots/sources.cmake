# Sources of ui/plots (see ui/CMakeLists.txt).
