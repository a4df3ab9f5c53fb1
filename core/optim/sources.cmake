# Sources of core/optim (see core/CMakeLists.txt).
