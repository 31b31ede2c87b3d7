# tidings_add_fuzzer(NAME SOURCES a.cpp ... CORPUS DIR [LIBS lib ...] [INCLUDE_DIRS dir ...]
#                    [MUTATIONS n] [LABELS l ...])
#
# One fuzz target (tests/fuzz/README.md): SOURCES define LLVMFuzzerTestOneInput (and, if needed,
# LLVMFuzzerInitialize); CORPUS is its committed seed corpus; LIBS the code under test.
#   every build       NAME_replay and the ctest NAME_corpus: the corpus plus MUTATIONS
#                     deterministic mutations of every file (default 3000), label "fuzz"
#   TIDINGS_FUZZ      also the libFuzzer binary NAME and the ctest NAME (label "libfuzzer"), which
#   (asan preset)     fuzzes it for $TIDINGS_FUZZ_SECONDS (tests/fuzz/run_fuzzer.sh); `scripts/test
#                     --all` runs every such test after the suite, the suite itself leaves them out
#   TIDINGS_FUZZ_REPLAY OFF (the ci preset): no replay in this build; CI replays every corpus in
#                     its ASan build, under the sanitizers, so the GCC build need not do it twice
option(TIDINGS_FUZZ_REPLAY "Build and register the corpus replays of the fuzz targets" ON)
function(tidings_add_fuzzer name)
    cmake_parse_arguments(F "" "CORPUS;MUTATIONS" "SOURCES;LIBS;INCLUDE_DIRS;LABELS" ${ARGN})
    if(NOT TIDINGS_FUZZ_REPLAY AND NOT TIDINGS_FUZZ)
        return()
    endif()
    if(NOT F_SOURCES OR NOT F_CORPUS)
        message(FATAL_ERROR "tidings_add_fuzzer(${name}): SOURCES and CORPUS are required")
    endif()
    if(NOT IS_ABSOLUTE "${F_CORPUS}")
        set(F_CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/${F_CORPUS})
    endif()
    if(NOT IS_DIRECTORY "${F_CORPUS}")
        message(FATAL_ERROR "tidings_add_fuzzer(${name}): no corpus directory ${F_CORPUS}")
    endif()
    if(NOT F_MUTATIONS)
        set(F_MUTATIONS 3000)
    endif()
    # Where libFuzzer runs next (the asan build), its coverage-guided search covers far more than
    # random mutations; the replay there checks the corpus under the sanitizers with a tenth.
    if(TIDINGS_FUZZ)
        math(EXPR F_MUTATIONS "(${F_MUTATIONS} + 9) / 10")
    endif()

    # The target's code is compiled once and linked into both drivers.
    add_library(${name}_objects OBJECT ${F_SOURCES})
    tidings_moc_sources(${name}_objects ${F_SOURCES})
    target_link_libraries(${name}_objects PUBLIC ${F_LIBS})
    target_include_directories(${name}_objects PUBLIC ${F_INCLUDE_DIRS})
    tidings_warnings(${name}_objects)

    if(TIDINGS_FUZZ_REPLAY)
        # The replay driver (any compiler): tests/fuzz/replay_main.cpp, compiled once for all.
        if(NOT TARGET tidings_fuzz_replay_main)
            add_library(tidings_fuzz_replay_main OBJECT
                ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
            set_target_properties(tidings_fuzz_replay_main PROPERTIES AUTOMOC OFF)
            tidings_warnings(tidings_fuzz_replay_main)
        endif()
        add_executable(${name}_replay $<TARGET_OBJECTS:tidings_fuzz_replay_main>)
        set_target_properties(${name}_replay PROPERTIES AUTOMOC OFF)
        target_link_libraries(${name}_replay PRIVATE ${name}_objects)
        tidings_add_test_command(${name}_corpus
            $<TARGET_FILE:${name}_replay> --mutations ${F_MUTATIONS} ${F_CORPUS})
        # A failing input is written to crash-replay-<pid>.bin in the working directory.
        math(EXPR timeout "300 * ${TIDINGS_TEST_TIMEOUT_SCALE}")
        set_tests_properties(${name}_corpus PROPERTIES
            LABELS "fuzz;${F_LABELS}" TIMEOUT ${timeout}
            WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    endif()

    if(TIDINGS_FUZZ)
        # Everything is compiled with -fsanitize=fuzzer-no-link in this build (TidingsBuild.cmake);
        # linking with -fsanitize=fuzzer adds libFuzzer and its main().
        add_executable(${name} $<TARGET_OBJECTS:${name}_objects>)
        set_target_properties(${name} PROPERTIES AUTOMOC OFF)
        target_link_libraries(${name} PRIVATE ${F_LIBS})
        target_link_options(${name} PRIVATE -fsanitize=fuzzer)
        # No TIMEOUT property: scripts/test passes one that fits TIDINGS_FUZZ_SECONDS.
        add_test(NAME ${name}
            COMMAND sh ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzzer.sh $<TARGET_FILE:${name}>
                ${F_CORPUS} ${CMAKE_CURRENT_BINARY_DIR}/${name}-work)
        set_tests_properties(${name} PROPERTIES LABELS "libfuzzer;${F_LABELS}")
        # `cmake --build DIR --target tidings_fuzzers` builds every libFuzzer binary.
        if(NOT TARGET tidings_fuzzers)
            add_custom_target(tidings_fuzzers)
        endif()
        add_dependencies(tidings_fuzzers ${name})
    endif()
endfunction()
