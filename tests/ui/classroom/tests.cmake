# Suites for ui/classroom: the Playground and Loss-surface tabs, the step anatomy, the
# interpolation meter and presentation mode, driven offscreen.
alig_add_test(tst_ui_classroom ${CMAKE_CURRENT_LIST_DIR}/tst_ui_classroom.cpp)
# The Playground: points, rewind, speed, k classes, CSV points, hover and the network graph.
alig_add_test(tst_ui_playground ${CMAKE_CURRENT_LIST_DIR}/tst_ui_playground.cpp)
# Animations for slides: GIF (decoded with giflib) and PNG frames.
alig_add_test(tst_ui_animation ${CMAKE_CURRENT_LIST_DIR}/tst_ui_animation.cpp)
