# alig_add_launcher(NAME PROGRAM [VERSION]): NAME becomes the command users run, a small
# program without LibTorch (launcher.cpp) that sets the environment LibTorch's runtime reads
# when it loads and then starts PROGRAM. PROGRAM is built and installed as NAME-program in
# libexec/alig-studio, at the same place relative to the command in the build tree as when
# installed (not as NAME: Ninja would then have two targets of that name). VERSION: the
# launcher answers a lone --version itself (alig-train's text).
file(RELATIVE_PATH ALIG_LIBEXEC_FROM_BIN ${CMAKE_INSTALL_FULL_BINDIR}
     ${CMAKE_INSTALL_FULL_LIBEXECDIR}/alig-studio)
set(ALIG_LAUNCHER_SOURCE ${CMAKE_CURRENT_LIST_DIR}/launcher.cpp)

function(alig_add_launcher name program)
    set_target_properties(${program} PROPERTIES OUTPUT_NAME ${name}-program
        RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${ALIG_LIBEXEC_FROM_BIN})
    install(TARGETS ${program} RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/alig-studio)

    add_executable(${name} ${ALIG_LAUNCHER_SOURCE})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
    target_compile_definitions(${name} PRIVATE ALIG_LAUNCH_NAME="${name}"
                               ALIG_LAUNCH_PATH="${ALIG_LIBEXEC_FROM_BIN}/${name}-program")
    if("VERSION" IN_LIST ARGN)
        target_compile_definitions(${name} PRIVATE ALIG_LAUNCH_VERSION)
    endif()
    target_link_libraries(${name} PRIVATE alig_runtime)
    add_dependencies(${name} ${program})
    install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()
