# Installation layout beyond the executables and the packages built from it with CPack.
#
#   Linux:   cpack -G DEB   (Debian 12; dependencies from dpkg-shlibdeps plus the Qt plugins
#                            loaded at run time)      -> installers/linux/README.md
#   Windows: cpack -G NSIS  (after windeployqt)       -> installers/windows/README.md
#   macOS:   cpack -G DragNDrop (after macdeployqt)   -> installers/macos/README.md
#
# Only the four programs are installed; tests and benchmarks have no install rules, so a build
# configured with -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON can be packaged after building just
# `tidings tidingsd tidings-cli tidings-admin`.
include(GNUInstallDirs)

# tidingsd is defined in server/; installing it from here keeps every install rule of the
# packages in one place.
install(TARGETS tidingsd tidings-admin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

if(UNIX AND NOT APPLE)
    install(FILES ${PROJECT_SOURCE_DIR}/installers/linux/org.tidings.Tidings.desktop
        ${PROJECT_SOURCE_DIR}/installers/linux/org.tidings.TidingsServer.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/tidings.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
    install(FILES ${PROJECT_SOURCE_DIR}/installers/linux/tidingsd.service
        DESTINATION lib/systemd/system)
    install(FILES ${PROJECT_SOURCE_DIR}/installers/linux/tidings.sysusers
        DESTINATION lib/sysusers.d RENAME tidings.conf)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tidings)

set(CPACK_PACKAGE_NAME tidings)
set(CPACK_PACKAGE_VENDOR "The Tidings authors")
set(CPACK_PACKAGE_CONTACT "Tidings maintainers <maintainers@tidings.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Native desktop messenger with its server")
set(CPACK_PACKAGE_DESCRIPTION
    "Tidings is a messenger: the Qt desktop client (tidings), a scriptable command-line \
client (tidings-cli) and the server (tidingsd, with an embedded PostgreSQL).")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://tidings.invalid")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_STRIP_FILES ON)

# DEB (Debian 12). dpkg-shlibdeps finds the linked libraries (Qt, protobuf, libsodium, libpq,
# ...); the plugins Qt loads at run time are not linked and are named here: the SQLite driver
# (the local cache), the SVG icon engine (every icon) and the xcb platform (in libqt6gui6).
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite, libqt6svg6, libqt6gui6")
# tidingsd runs an embedded PostgreSQL from /usr/lib/postgresql unless --database-url is given.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gnome-keyring | kwalletmanager")

# Windows (NSIS) and macOS (DMG) settings.
include(${CMAKE_CURRENT_LIST_DIR}/PackagingWinMac.cmake)

include(CPack)
