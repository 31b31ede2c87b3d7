# Runs lupdate over a copy of every .ts file exactly as tidings_update_translations does, and fails
# when that would change a file (a string was added, changed or removed in the sources), or when
# a German string is still unfinished.
file(GLOB ts_files ${SOURCE_DIR}/translations/*.ts)
if(NOT ts_files)
    message(FATAL_ERROR "no .ts files in ${SOURCE_DIR}/translations")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(stale "")
foreach(ts ${ts_files})
    get_filename_component(name ${ts} NAME)
    configure_file(${ts} ${WORK_DIR}/${name} COPYONLY)
    execute_process(
        COMMAND ${LUPDATE} -silent -locations none -no-obsolete app/ui app/desktop admin/tray
            admin/main.cpp admin/server_supervisor.cpp -ts ${WORK_DIR}/${name}
        WORKING_DIRECTORY ${SOURCE_DIR}
        RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "lupdate failed on ${name}")
    endif()
    file(READ ${ts} before)
    file(READ ${WORK_DIR}/${name} after)
    if(NOT before STREQUAL after)
        list(APPEND stale ${name})
    endif()
    string(FIND "${after}" "type=\"unfinished\"" unfinished)
    if(NOT unfinished EQUAL -1)
        list(APPEND stale "${name} (untranslated strings)")
    endif()
endforeach()
if(stale)
    message(FATAL_ERROR "stale translations: ${stale}\n"
        "run `ninja tidings_update_translations`, translate, and commit translations/")
endif()
message(STATUS "translations are current")
