# Read by cpack once per generator (CPACK_PROJECT_CONFIG_FILE, set in cmake/Packaging.cmake).
if(CPACK_GENERATOR STREQUAL "DEB")
    # One package per component, each description starting with its own summary line; CPackDeb
    # would put CPACK_PACKAGE_DESCRIPTION_SUMMARY in front of every one unless it is the default.
    set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CPACK_DEFAULT_PACKAGE_DESCRIPTION_SUMMARY}")
else()
    # NSIS, DragNDrop, archives: one package of everything, as before the DEB split.
    set(CPACK_MONOLITHIC_INSTALL ON)
endif()
