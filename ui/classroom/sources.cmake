# Sources of ui/classroom (see ui/CMakeLists.txt): the Playground and Loss-surface tabs and
# the step anatomy. Headers are listed so AUTOMOC sees them.
target_sources(alig_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/animation_dialog.h
    ${CMAKE_CURRENT_LIST_DIR}/animation_dialog.cpp
    ${CMAKE_CURRENT_LIST_DIR}/animation_export.h
    ${CMAKE_CURRENT_LIST_DIR}/animation_export.cpp
    ${CMAKE_CURRENT_LIST_DIR}/decision_boundary.h
    ${CMAKE_CURRENT_LIST_DIR}/decision_boundary.cpp
    ${CMAKE_CURRENT_LIST_DIR}/help_dialog.h
    ${CMAKE_CURRENT_LIST_DIR}/help_dialog.cpp
    ${CMAKE_CURRENT_LIST_DIR}/lesson.h
    ${CMAKE_CURRENT_LIST_DIR}/lesson.cpp
    ${CMAKE_CURRENT_LIST_DIR}/lesson_panel.h
    ${CMAKE_CURRENT_LIST_DIR}/lesson_panel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/network_graph.h
    ${CMAKE_CURRENT_LIST_DIR}/network_graph.cpp
    ${CMAKE_CURRENT_LIST_DIR}/playground_view.h
    ${CMAKE_CURRENT_LIST_DIR}/playground_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/step_anatomy_panel.h
    ${CMAKE_CURRENT_LIST_DIR}/step_anatomy_panel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/surface_view.h
    ${CMAKE_CURRENT_LIST_DIR}/surface_view.cpp)
# Only lesson.cpp needs the lesson folders (a definition of its own keeps the others' flags,
# and so their precompiled header, as they are).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/lesson.cpp PROPERTIES COMPILE_DEFINITIONS
    "ALIG_LESSON_DIR_BUILD=\"${ALIG_LESSON_DIR_BUILD}\";ALIG_LESSON_DIR_INSTALL=\"${ALIG_LESSON_DIR_INSTALL}\"")
# Help's links: the source tree's docs (a build run in place) and the installed ones.
if(ALIG_PRESETS_FROM_SOURCE)
    set(alig_doc_dir_build ${PROJECT_SOURCE_DIR}/docs)
else()
    set(alig_doc_dir_build ${CMAKE_INSTALL_FULL_DOCDIR})
endif()
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/help_dialog.cpp PROPERTIES COMPILE_DEFINITIONS
    "ALIG_DOC_DIR_BUILD=\"${alig_doc_dir_build}\";ALIG_DOC_DIR_INSTALL=\"${CMAKE_INSTALL_FULL_DOCDIR}\"")
