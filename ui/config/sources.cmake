# Sources of ui/config (see ui/CMakeLists.txt): the experiment panel and its editors.
target_sources(alig_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/number_spin_box.h
    ${CMAKE_CURRENT_LIST_DIR}/number_spin_box.cpp
    ${CMAKE_CURRENT_LIST_DIR}/log_slider.h
    ${CMAKE_CURRENT_LIST_DIR}/log_slider.cpp
    ${CMAKE_CURRENT_LIST_DIR}/experiment_panel.h
    ${CMAKE_CURRENT_LIST_DIR}/experiment_panel.cpp)
