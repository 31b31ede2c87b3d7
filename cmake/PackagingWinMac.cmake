# CPack settings of the Windows (NSIS) and macOS (DragNDrop) packages, included by
# cmake/Packaging.cmake right before include(CPack). The install rules and the DEB settings
# stay in Packaging.cmake.

# Start-menu entry and install folder (read by the Windows generators).
set(CPACK_PACKAGE_INSTALL_DIRECTORY Tidings)
set(CPACK_PACKAGE_EXECUTABLES tidings Tidings)

# Windows: NSIS from the windeployqt'ed install tree (installers/windows/README.md).
set(CPACK_NSIS_DISPLAY_NAME Tidings)
set(CPACK_NSIS_PACKAGE_NAME Tidings)
if(EXISTS ${PROJECT_SOURCE_DIR}/installers/windows/tidings.ico)
    set(CPACK_NSIS_MUI_ICON ${PROJECT_SOURCE_DIR}/installers/windows/tidings.ico)
endif()
set(CPACK_NSIS_INSTALLED_ICON_NAME bin\\\\tidings.exe)
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_CREATE_ICONS_EXTRA
    "CreateShortCut '$SMPROGRAMS\\\\$STARTMENU_FOLDER\\\\Tidings.lnk' '$INSTDIR\\\\bin\\\\tidings.exe'")
set(CPACK_NSIS_DELETE_ICONS_EXTRA "Delete '$SMPROGRAMS\\\\$START_MENU\\\\Tidings.lnk'")

# macOS: a drag-and-drop DMG of the macdeployqt'ed bundle (installers/macos/README.md).
set(CPACK_DMG_VOLUME_NAME Tidings)
set(CPACK_DMG_FORMAT UDZO)
