# CPack settings of the Windows (NSIS, WiX) and macOS (DragNDrop) packages, included by
# cmake/Packaging.cmake right before include(CPack). The install rules of the programs and the
# DEB settings stay in Packaging.cmake.
#
# None of this has run: this project's CI is Linux only (scripts/test). The recipes that use it
# are installers/windows/README.md and installers/macos/README.md, and the workflows that would
# run them are .github/workflows/windows.yml and macos.yml (written from the recipes, untested).

# Start-menu entries and install folder (read by the NSIS and WiX generators). NSIS makes one
# shortcut per pair, "$SMPROGRAMS\<folder>\<label>.lnk" -> "$INSTDIR\bin\<program>.exe", and
# deletes it again in the uninstaller; WiX makes one per pair as well.
set(CPACK_PACKAGE_INSTALL_DIRECTORY Tidings)
set(CPACK_PACKAGE_EXECUTABLES tidings Tidings tidings-admin "Tidings Server")

# Windows: NSIS from the install tree, with the Qt files windeployqt adds at install time
# (below) and the DLLs of vcpkg (-DX_VCPKG_APPLOCAL_DEPS_INSTALL=ON, installers/windows/README.md).
set(CPACK_NSIS_DISPLAY_NAME Tidings)
set(CPACK_NSIS_PACKAGE_NAME Tidings)
if(EXISTS ${PROJECT_SOURCE_DIR}/installers/windows/tidings.ico)
    set(CPACK_NSIS_MUI_ICON ${PROJECT_SOURCE_DIR}/installers/windows/tidings.ico)
    set(CPACK_NSIS_MUI_UNIICON ${PROJECT_SOURCE_DIR}/installers/windows/tidings.ico)
    set(CPACK_WIX_PRODUCT_ICON ${PROJECT_SOURCE_DIR}/installers/windows/tidings.ico)
endif()
set(CPACK_NSIS_INSTALLED_ICON_NAME bin\\\\tidings.exe)
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
# Both shortcuts come from CPACK_PACKAGE_EXECUTABLES above, which also deletes them (and serves
# WiX). The extra commands run right after CPack's own and overwrite "Tidings Server.lnk" with
# what that list cannot say: a description (the tooltip). $MUI_TEMP is the uninstaller's name for
# the Start-menu folder, as in the deletes CPack generates.
set(CPACK_NSIS_CREATE_ICONS_EXTRA
    "  CreateShortCut '$SMPROGRAMS\\\\$STARTMENU_FOLDER\\\\Tidings Server.lnk' '$INSTDIR\\\\bin\\\\tidings-admin.exe' '' '$INSTDIR\\\\bin\\\\tidings-admin.exe' 0 SW_SHOWNORMAL '' 'Runs and watches your Tidings server'")
set(CPACK_NSIS_DELETE_ICONS_EXTRA
    "  Delete '$SMPROGRAMS\\\\$MUI_TEMP\\\\Tidings Server.lnk'")
# "Start at login" in the tray menu writes HKCU\...\Run\TidingsServer (admin/tray/autostart.cpp);
# the uninstaller removes it for the user who runs it, so no entry points at a removed program.
set(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS
    "  DeleteRegValue HKCU 'Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run' 'TidingsServer'")

# WiX (cpack -G WIX, WiX Toolset 3): the upgrade code stays the same for every version, so a
# newer MSI replaces an older one. A random UUID made once (uuid.uuid4()); never change it.
set(CPACK_WIX_UPGRADE_GUID E481501A-CCDE-48BB-B72B-8482AFA403D0)
set(CPACK_WIX_PROGRAM_MENU_FOLDER Tidings)

if(WIN32)
    # The MSVC runtime (msvcp140.dll, vcruntime140*.dll) next to the programs, so a clean
    # Windows needs no VC++ redistributable; windeployqt is told not to add its installer.
    set(CMAKE_INSTALL_SYSTEM_RUNTIME_DESTINATION ${CMAKE_INSTALL_BINDIR})
    include(InstallRequiredSystemLibraries)

    # QtKeychain is built from source against the Qt of the build (vcpkg's qtkeychain-qt6 would
    # build a second Qt), so vcpkg's install-time copy does not know its DLL: installed here.
    # (app/core/secrets finds it in its own directory scope; this finds it again up here.)
    find_package(Qt6Keychain QUIET)
    if(TARGET Qt6Keychain::Qt6Keychain)
        install(FILES $<TARGET_FILE:Qt6Keychain::Qt6Keychain>
            DESTINATION ${CMAKE_INSTALL_BINDIR})
    endif()

    # windeployqt on each installed program, at install time: Qt's DLLs and the plugins they load
    # (platforms\qwindows, styles, tls, sqldrivers\qsqlite, iconengines\qsvgicon, imageformats,
    # multimedia) land in bin\ of whatever is being installed, so `cpack -G NSIS` and
    # `cmake --install` both get them. Found next to the Qt this build uses, else on PATH.
    set(_tidings_qt_bin "")
    if(TARGET Qt6::qmake)
        get_target_property(_tidings_qmake Qt6::qmake IMPORTED_LOCATION)
        if(NOT _tidings_qmake)
            get_target_property(_tidings_qmake Qt6::qmake IMPORTED_LOCATION_RELEASE)
        endif()
        if(_tidings_qmake)
            get_filename_component(_tidings_qt_bin "${_tidings_qmake}" DIRECTORY)
        endif()
    endif()
    find_program(TIDINGS_WINDEPLOYQT windeployqt
        HINTS "${_tidings_qt_bin}" "${QT6_INSTALL_PREFIX}/bin"
        DOC "windeployqt run on the installed programs (empty: not run)")
    if(TIDINGS_WINDEPLOYQT)
        install(CODE "
            foreach(program tidings tidings-admin tidings-cli tidingsd)
                set(exe \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/\${program}.exe\")
                if(NOT EXISTS \"\${exe}\")
                    continue()
                endif()
                message(STATUS \"windeployqt \${exe}\")
                execute_process(COMMAND \"${TIDINGS_WINDEPLOYQT}\" --release --no-translations
                        --no-opengl-sw --no-system-d3d-compiler --no-compiler-runtime \"\${exe}\"
                    RESULT_VARIABLE rc)
                if(NOT rc EQUAL 0)
                    message(FATAL_ERROR \"windeployqt failed on \${exe} (\${rc})\")
                endif()
            endforeach()
        ")
    else()
        message(WARNING "windeployqt not found: the installed programs will lack Qt's DLLs "
                        "(set TIDINGS_WINDEPLOYQT)")
    endif()
endif()

# macOS: the programs are plain executables here (no MACOSX_BUNDLE), so `cpack -G DragNDrop`
# packs the install tree (bin/, share/), not apps. The two bundles, "Tidings.app" and "Tidings
# Server.app" (LSUIElement, tray only), are put together by installers/macos/make-dmg.sh from the
# build tree with installers/macos/Tidings-Info.plist and TidingsServer-Info.plist, then
# macdeployqt, codesign and hdiutil. Those plists hold no ${...} placeholders, so they would also
# serve as MACOSX_BUNDLE_INFO_PLIST if the targets became bundles one day (with OUTPUT_NAME
# Tidings for the client, since CFBundleExecutable says "Tidings"); no target is changed here.
set(CPACK_DMG_VOLUME_NAME Tidings)
set(CPACK_DMG_FORMAT UDZO)
