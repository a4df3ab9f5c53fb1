# Sources of ui/classroom (see ui/CMakeLists.txt): the Playground and Loss-surface tabs and
# the step anatomy. Headers are listed so AUTOMOC sees them.
target_sources(alig_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/decision_boundary.h
    ${CMAKE_CURRENT_LIST_DIR}/decision_boundary.cpp
    ${CMAKE_CURRENT_LIST_DIR}/playground_view.h
    ${CMAKE_CURRENT_LIST_DIR}/playground_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/step_anatomy_panel.h
    ${CMAKE_CURRENT_LIST_DIR}/step_anatomy_panel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/surface_view.h
    ${CMAKE_CURRENT_LIST_DIR}/surface_view.cpp)
