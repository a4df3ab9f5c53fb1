# Sources of ui/config (see ui/CMakeLists.txt).
