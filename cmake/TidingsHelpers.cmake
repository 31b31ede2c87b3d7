# Warnings for our own targets (not for generated protobuf code). -Werror with TIDINGS_WERROR.
function(tidings_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
    if(TIDINGS_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()

# tidings_precompile(TARGET HEADER)
# The precompiled header of a library (HEADER, an absolute path). Every other target of ours that
# links the library, directly or not, and has no precompiled header of its own reuses it (see
# _tidings_reuse_pch below); a target opts out with the target property TIDINGS_NO_PCH.
# With TIDINGS_UNITY the library is also compiled as a unity build (this is the one place every
# library with its own sources passes through).
function(tidings_precompile target header)
    set_property(TARGET ${target} PROPERTY TIDINGS_PCH_HEADER ${header})
    if(TIDINGS_PCH)
        target_precompile_headers(${target} PRIVATE ${header})
    endif()
    if(TIDINGS_UNITY)
        set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
        # GCC 12 inlines a batch's functions into each other and then reports std::variant
        # members (Result<std::vector<...>>) as maybe uninitialized: a known false positive.
        # It stays a warning here; per-file builds keep it an error.
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
            target_compile_options(${target} PRIVATE -Wno-error=maybe-uninitialized)
        endif()
    endif()
endfunction()

# The first library with its own precompiled header among what TARGET links (breadth first).
function(_tidings_pch_host out target)
    get_target_property(queue ${target} LINK_LIBRARIES)
    set(seen "")
    while(queue)
        list(POP_FRONT queue lib)
        if(NOT TARGET ${lib} OR lib IN_LIST seen)
            continue()
        endif()
        list(APPEND seen ${lib})
        get_target_property(imported ${lib} IMPORTED)
        if(imported)
            continue()
        endif()
        get_target_property(header ${lib} TIDINGS_PCH_HEADER)
        if(header)
            set(${out} ${lib} PARENT_SCOPE)
            return()
        endif()
        get_target_property(deps ${lib} LINK_LIBRARIES)
        if(deps)
            list(APPEND queue ${deps})
        endif()
    endwhile()
    set(${out} "" PARENT_SCOPE)
endfunction()

function(_tidings_targets_below out dir)
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
    foreach(sub IN LISTS subdirs)
        _tidings_targets_below(more ${sub})
        list(APPEND targets ${more})
    endforeach()
    set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Runs once, after every CMakeLists.txt was read: every executable and library without a
# precompiled header of its own compiles with the one of the first library it links that has
# one. A test parses little beyond what its library's header holds (QTest, its own helpers), so
# the tests need no precompiled headers of their own, which would cost more to build (about as
# much as ten test files parse) than they save. This is valid because such a target has the
# library's compile flags plus, at most, definitions the header does not look at (QTest's and
# Qt modules' own); GCC (-Winvalid-pch, an error with -Werror) and clang check it on every use.
# The empty mocs_compilation.cpp of an executable (its moc output is included by its .cpp) skips
# the header: loading it would cost more than compiling the file.
function(_tidings_reuse_pch)
    _tidings_targets_below(targets ${PROJECT_SOURCE_DIR})
    foreach(t IN LISTS targets)
        get_target_property(type ${t} TYPE)
        if(NOT type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|OBJECT_LIBRARY)$")
            continue()
        endif()
        get_target_property(own ${t} PRECOMPILE_HEADERS)
        get_target_property(reuse ${t} PRECOMPILE_HEADERS_REUSE_FROM)
        get_target_property(opt_out ${t} TIDINGS_NO_PCH)
        if(own OR reuse OR opt_out)
            continue()
        endif()
        _tidings_pch_host(host ${t})
        if(NOT host)
            continue()
        endif()
        target_precompile_headers(${t} REUSE_FROM ${host})
        get_target_property(automoc ${t} AUTOMOC)
        if(type STREQUAL "EXECUTABLE" AND automoc)
            get_target_property(bin ${t} BINARY_DIR)
            set_source_files_properties(${bin}/${t}_autogen/mocs_compilation.cpp
                TARGET_DIRECTORY ${t} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
        endif()
    endforeach()
endfunction()
if(TIDINGS_PCH)
    cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL _tidings_reuse_pch)
endif()

# In a sanitizer build every test runs under cmake/sanitized_test.sh (options, suppressions, and
# the reports of the processes a test starts).
set(TIDINGS_SANITIZED_TEST ${CMAKE_CURRENT_LIST_DIR}/sanitized_test.sh)
set(TIDINGS_LSAN_SUPPRESSIONS ${CMAKE_CURRENT_LIST_DIR}/lsan.supp)
# Sanitized code runs two to three times slower: the tests' time limits grow with it.
if(TIDINGS_SANITIZE)
    set(TIDINGS_TEST_TIMEOUT_SCALE 3)
else()
    set(TIDINGS_TEST_TIMEOUT_SCALE 1)
endif()

# tidings_add_test_command(NAME COMMAND...)
# Registers a test command; in a sanitizer build it runs under cmake/sanitized_test.sh.
function(tidings_add_test_command name)
    if(TIDINGS_SANITIZE)
        add_test(NAME ${name}
            COMMAND sh ${TIDINGS_SANITIZED_TEST} ${TIDINGS_LSAN_SUPPRESSIONS}
                ${PROJECT_BINARY_DIR}/sanitizer-reports/${name} ${ARGN})
    else()
        add_test(NAME ${name} COMMAND ${ARGN})
    endif()
endfunction()

# tidings_add_test(NAME SOURCES a.cpp ... LIBS lib ... [LABELS l ...] [TIMEOUT s] [NO_PCH])
# One Qt Test executable per class or feature, registered with CTest.
function(tidings_add_test name)
    cmake_parse_arguments(T "NO_PCH" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${name} ${T_SOURCES})
    tidings_moc_sources(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE Qt6::Test ${T_LIBS})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    tidings_warnings(${name})
    tidings_add_test_command(${name} $<TARGET_FILE:${name}>)
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 120)
    endif()
    math(EXPR T_TIMEOUT "${T_TIMEOUT} * ${TIDINGS_TEST_TIMEOUT_SCALE}")
    # Passphrase files at the interactive Argon2 cost: the suite makes dozens of them, and the
    # sensitive cost takes seconds and 1 GiB each (test_passphrase_secret_store checks it once).
    set(env "QT_QPA_PLATFORM=offscreen;TIDINGS_PASSPHRASE_KDF=interactive")
    # Integration tests start the real binaries (SIGKILL and restart tests need processes).
    foreach(bin tidingsd tidings-cli tidings-admin)
        if(TARGET ${bin})
            string(TOUPPER "${bin}" var)
            string(REPLACE "-" "_" var "${var}")
            list(APPEND env "${var}_BIN=$<TARGET_FILE:${bin}>")
        endif()
    endforeach()
    set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} ENVIRONMENT "${env}")
    if(T_LABELS)
        set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
    endif()
    if(TIDINGS_TEST_CXX_FLAGS)
        target_compile_options(${name} PRIVATE ${TIDINGS_TEST_CXX_FLAGS})
    endif()
    # -O0 (no __OPTIMIZE__) or other sanitizers do not fit the libraries' precompiled headers;
    # -O1 does (GCC checks the macros a header sees, and -Winvalid-pch makes a misfit an error).
    if(T_NO_PCH OR TIDINGS_TEST_CXX_FLAGS MATCHES "-O0|-fsanitize|-fno-sanitize")
        set_property(TARGET ${name} PROPERTY TIDINGS_NO_PCH ON)
    endif()
endfunction()

# tidings_moc_sources(TARGET SOURCES...)
# Runs moc on exactly the sources of TARGET that need it, instead of AUTOMOC: a test's .cpp that
# ends with #include "<name>.moc", a header with Q_OBJECT. AUTOMOC costs about a second of CPU per
# executable (it preprocesses every header the sources reach, and writes and compiles a
# mocs_compilation.cpp), against 0.05 s for moc on one file; with ~150 test executables in two
# builds that was four minutes of CI. moc runs without the compiler's macros here, so a
# conditional (#if) after a test class's Q_OBJECT could hide slots from it: that is refused (see
# tests/common/sanitizers.h for the alternative).
function(tidings_moc_sources target)
    set_target_properties(${target} PROPERTIES AUTOMOC OFF)
    set(dir ${CMAKE_CURRENT_BINARY_DIR}/${target}_moc)
    set(outputs "")
    foreach(src IN LISTS ARGN)
        get_filename_component(abs ${src} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
        if(NOT EXISTS ${abs})
            continue()
        endif()
        file(READ ${abs} text)
        string(FIND "${text}" "Q_OBJECT" at)
        if(at EQUAL -1)
            continue()
        endif()
        get_filename_component(base ${abs} NAME_WE)
        get_filename_component(ext ${abs} LAST_EXT)
        if(ext STREQUAL ".h")
            set(out ${dir}/moc_${base}.cpp)
            target_sources(${target} PRIVATE ${out})
        else()
            string(FIND "${text}" "#include \"${base}.moc\"" included)
            if(included EQUAL -1)
                message(FATAL_ERROR "${abs}: a QObject class in a .cpp needs "
                                    "#include \"${base}.moc\" at the end of the file")
            endif()
            string(SUBSTRING "${text}" ${at} -1 rest)
            if(rest MATCHES "\n[ \t]*#[ \t]*(if|ifdef|ifndef|elif)[ \t(]")
                message(FATAL_ERROR "${abs}: no #if after Q_OBJECT (moc runs without the "
                                    "compiler's macros here); see tests/common/sanitizers.h")
            endif()
            set(out ${dir}/${base}.moc)
            target_sources(${target} PRIVATE ${out})
            set_source_files_properties(${out} PROPERTIES HEADER_FILE_ONLY ON)
        endif()
        add_custom_command(OUTPUT ${out}
            COMMAND Qt6::moc ${abs} -o ${out}
            DEPENDS ${abs} Qt6::moc
            COMMENT "moc ${base}" VERBATIM)
        list(APPEND outputs ${out})
    endforeach()
    if(outputs)
        target_include_directories(${target} PRIVATE ${dir})
    endif()
endfunction()
