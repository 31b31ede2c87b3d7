# Installation layout beyond the executables and the packages built from it with CPack.
#
#   Linux:   cpack -G DEB   (Debian 12: three packages, one per install component, their
#                            dependencies from dpkg-shlibdeps plus the Qt plugins loaded at run
#                            time)                    -> installers/linux/README.md
#   Windows: cpack -G NSIS  (after windeployqt)       -> installers/windows/README.md
#   macOS:   cpack -G DragNDrop (after macdeployqt)   -> installers/macos/README.md
#
# Install components, each a Debian package of its own:
#   tidings          the desktop client: tidings, its desktop entry, icon and AppStream metainfo
#   tidings-server   tidingsd, tidings-admin (the "Tidings Server" tray app: desktop entry, icon,
#                    metainfo), the systemd unit, the sysusers file, /etc/tidings/tidingsd.conf
#   tidings-cli      tidings-cli
# Windows and macOS packages stay one package holding everything (CPACK_MONOLITHIC_INSTALL,
# cmake/CPackProjectConfig.cmake).
#
# Only the four programs are installed; tests and benchmarks have no install rules, so a build
# configured with -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON can be packaged after building just
# `tidings tidingsd tidings-cli tidings-admin`.
include(GNUInstallDirs)

# The programs are defined in server/, app/ and admin/; installing them from here keeps every
# install rule of the packages in one place. (app/CMakeLists.txt and app/desktop/CMakeLists.txt
# still hold install rules of tidings-cli and tidings without a component: "Unspecified", which
# no package takes.)
if(TARGET tidings)
    install(TARGETS tidings RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tidings)
endif()
install(TARGETS tidingsd tidings-admin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    COMPONENT tidings-server)
install(TARGETS tidings-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tidings-cli)

if(UNIX AND NOT APPLE)
    set(linux_dir ${PROJECT_SOURCE_DIR}/installers/linux)
    set(icon ${PROJECT_SOURCE_DIR}/resources/icons/tidings.svg)
    set(icon_dir ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)

    # tidings
    install(FILES ${linux_dir}/org.tidings.Tidings.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT tidings)
    install(FILES ${linux_dir}/org.tidings.Tidings.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT tidings)
    install(FILES ${icon} DESTINATION ${icon_dir} COMPONENT tidings)

    # tidings-server. The tray app's icon is the same picture under its own name (a file may
    # belong to one package only).
    install(FILES ${linux_dir}/org.tidings.TidingsServer.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT tidings-server)
    install(FILES ${linux_dir}/org.tidings.TidingsServer.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT tidings-server)
    install(FILES ${icon} DESTINATION ${icon_dir} RENAME org.tidings.TidingsServer.svg
        COMPONENT tidings-server)
    install(FILES ${linux_dir}/tidingsd.service
        DESTINATION lib/systemd/system COMPONENT tidings-server)
    install(FILES ${linux_dir}/tidings.sysusers
        DESTINATION lib/sysusers.d RENAME tidings.conf COMPONENT tidings-server)
    # /etc/tidings with the /usr prefix (GNUInstallDirs); a conffile of the package.
    install(FILES ${linux_dir}/tidingsd.conf
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/tidings COMPONENT tidings-server)

    # Each package's /usr/share/doc/PACKAGE: copyright and changelog.gz (Debian policy 12.5,
    # 12.7), and the documents its programs point to.
    set(changelog_gz ${PROJECT_BINARY_DIR}/packaging/changelog.gz)
    file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/packaging)
    execute_process(COMMAND gzip -9 -n -c ${linux_dir}/changelog OUTPUT_FILE ${changelog_gz}
        COMMAND_ERROR_IS_FATAL ANY)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${linux_dir}/changelog)
    file(STRINGS ${linux_dir}/changelog changelog_top LIMIT_COUNT 1)
    if(NOT changelog_top MATCHES "^tidings \\(${PROJECT_VERSION}\\) ")
        message(WARNING "installers/linux/changelog does not start with version "
            "${PROJECT_VERSION}: add an entry for it")
    endif()
    foreach(package tidings tidings-server tidings-cli)
        install(FILES ${linux_dir}/copyright ${changelog_gz}
            DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${package})
    endforeach()
    install(FILES ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tidings COMPONENT tidings)
    install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tidings-server COMPONENT tidings-server)

    # Maintainer scripts and control files: CPack names them by their file names.
    set(control_dir ${PROJECT_BINARY_DIR}/packaging/tidings-server)
    configure_file(${linux_dir}/tidings-server.postinst ${control_dir}/postinst COPYONLY)
    configure_file(${linux_dir}/tidings-server.conffiles ${control_dir}/conffiles COPYONLY)
else()
    install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tidings COMPONENT tidings)
endif()

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
set(CPACK_COMPONENTS_ALL tidings tidings-server tidings-cli)
# Per generator: DEB makes one package per component, the others one package of everything.
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/CPackProjectConfig.cmake)

# DEB (Debian 12): one package per component. dpkg-shlibdeps finds the linked libraries (Qt,
# protobuf, libsodium, libpq, ...) of each; the plugins Qt loads at run time are not linked and
# are named here: the SQLite driver (the local cache of tidings and tidings-cli), the SVG icon
# engine (every icon of the client) and the xcb platform (in libqt6gui6; tidings-admin draws its
# tray icons itself and needs no SVG engine).
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SOURCE tidings)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_TIDINGS_PACKAGE_NAME tidings)
set(CPACK_DEBIAN_TIDINGS_PACKAGE_DEPENDS "libqt6sql6-sqlite, libqt6svg6, libqt6gui6")
set(CPACK_DEBIAN_TIDINGS_PACKAGE_SUGGESTS "gnome-keyring | kwalletmanager")
# Descriptions: the summary line, then the extended description in lines of at most 79
# characters (CPackDeb indents them; an empty line becomes " .").
set(CPACK_DEBIAN_TIDINGS_DESCRIPTION "end-to-end encrypted messenger (desktop client)
Tidings is a self-hosted messenger: every message, photo, file and voice
note is end-to-end encrypted on the sending device (X3DH and the Double
Ratchet per device, Sender Keys in groups), the server stores ciphertexts
only, and the local history is encrypted at rest.

This package holds the Qt desktop client, tidings. It keeps its device keys
in the system keyring (Secret Service or KWallet). The server is in the
package tidings-server, a command-line client in tidings-cli.")

set(CPACK_DEBIAN_TIDINGS-SERVER_PACKAGE_NAME tidings-server)
# adduser: the postinst's account when systemd-sysusers is missing.
set(CPACK_DEBIAN_TIDINGS-SERVER_PACKAGE_DEPENDS "adduser, libqt6gui6")
# tidingsd runs an embedded PostgreSQL from /usr/lib/postgresql unless database-url is given.
set(CPACK_DEBIAN_TIDINGS-SERVER_PACKAGE_RECOMMENDS "postgresql")
set(CPACK_DEBIAN_TIDINGS-SERVER_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/packaging/tidings-server/postinst
    ${PROJECT_BINARY_DIR}/packaging/tidings-server/conffiles)
set(CPACK_DEBIAN_TIDINGS-SERVER_DESCRIPTION
    "server of the Tidings end-to-end encrypted messenger
tidingsd serves Tidings clients over WebSocket (optionally with TLS) and
stores their end-to-end encrypted messages and media in PostgreSQL: a
cluster of its own that it runs in its data directory, or an external
database.

tidings-admin administers it: a command line (accounts, invite codes,
registration, retention, backups, status) and the tray app Tidings Server,
which can also run a server of its own.

The systemd unit tidingsd.service runs the server as the account tidings
with the options of /etc/tidings/tidingsd.conf. It is installed but neither
enabled nor started.")

set(CPACK_DEBIAN_TIDINGS-CLI_PACKAGE_NAME tidings-cli)
set(CPACK_DEBIAN_TIDINGS-CLI_PACKAGE_DEPENDS "libqt6sql6-sqlite")
set(CPACK_DEBIAN_TIDINGS-CLI_DESCRIPTION
    "command-line client of the Tidings end-to-end encrypted messenger
tidings-cli is a scriptable Tidings device: it registers or logs in, sends
and receives end-to-end encrypted messages and files, and manages groups,
contacts and linked devices.

Every command prints one JSON object per line and exits with a status that
says what went wrong, for scripts, bots and tests. The desktop client is in
the package tidings, the server in tidings-server.")

# Windows (NSIS) and macOS (DMG) settings.
include(${CMAKE_CURRENT_LIST_DIR}/PackagingWinMac.cmake)

include(CPack)
