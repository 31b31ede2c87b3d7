# Build options that apply to every target: warnings as errors, sanitizers, libFuzzer coverage,
# precompiled headers, the linker. The presets in CMakePresets.json set them; a plain
# `cmake -S . -B dir` gets the defaults (no -Werror, no sanitizers, precompiled headers on).

option(TIDINGS_WERROR "Treat warnings as errors (on in every preset; turn off to try another compiler)" OFF)
set(TIDINGS_SANITIZE "" CACHE STRING
    "Sanitizers for every target, e.g. address,undefined (clang or GCC); empty for none")
option(TIDINGS_FUZZ
    "Build the libFuzzer targets and coverage-instrument all code for them (clang, needs TIDINGS_SANITIZE=address...)"
    OFF)
option(TIDINGS_PCH "Precompiled headers for the libraries and the tests" ON)
# Unity builds of the libraries (8 sources per compiler run): the ci and asan presets, which CI
# builds from scratch (every library twice). Off for everyday builds: a missing include would
# hide in a batch, and GCC's -Wmaybe-uninitialized is an error only there (see
# tidings_precompile).
option(TIDINGS_UNITY "Compile each library in batches of sources (CMake unity builds)" OFF)
# Extra compile options for the test executables only (tidings_add_test), after the build type's.
# The GCC presets compile the tests' own code at -O1: the ~150 test files are most of a build,
# their code is template-heavy glue whose -O2 costs a fifth more, and -O1 still reuses the
# libraries' precompiled headers (-O0 would not: measured 50% slower without them). The asan
# preset compiles it at -O0 without UBSan: with clang, ASan + UBSan at -O1 cost twice the CPU of
# a plain build. The code under test (the libraries) keeps its optimisation and every sanitizer.
set(TIDINGS_TEST_CXX_FLAGS "" CACHE STRING
    "Extra compile options for the test executables, e.g. -O0;-fno-sanitize=undefined")
set(TIDINGS_LINKER "auto" CACHE STRING
    "Linker: auto (lld, else gold, else the default), lld, gold, bfd or default")

include(CheckLinkerFlag)

if(TIDINGS_SANITIZE)
    # -fno-sanitize-recover: an undefined-behaviour report fails the test instead of scrolling by.
    # Frame pointers give complete stacks in the reports at -O1.
    set(_san -fsanitize=${TIDINGS_SANITIZE} -fno-omit-frame-pointer)
    if(TIDINGS_SANITIZE MATCHES "undefined")
        list(APPEND _san -fno-sanitize-recover=undefined)
    endif()
    add_compile_options(${_san})
    add_link_options(-fsanitize=${TIDINGS_SANITIZE})
endif()

if(TIDINGS_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "TIDINGS_FUZZ needs clang (libFuzzer); use the asan or fuzz preset")
    endif()
    if(NOT TIDINGS_SANITIZE MATCHES "address")
        # The coverage callbacks of every instrumented object come from the ASan runtime, so the
        # ordinary (non-fuzzer) executables of this build link only with it.
        message(FATAL_ERROR "TIDINGS_FUZZ needs TIDINGS_SANITIZE to include address")
    endif()
    # Coverage for libFuzzer in all our code; only the fuzz executables link libFuzzer itself
    # (-fsanitize=fuzzer, see tidings_add_fuzzer), the tests and programs keep their own main.
    add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# A faster linker: lld links the ~60 test executables several times faster than ld.bfd.
set(_linker ${TIDINGS_LINKER})
if(_linker STREQUAL "auto")
    set(_linker default)
    foreach(candidate lld gold)
        check_linker_flag(CXX -fuse-ld=${candidate} TIDINGS_HAVE_LD_${candidate})
        if(TIDINGS_HAVE_LD_${candidate})
            set(_linker ${candidate})
            break()
        endif()
    endforeach()
endif()
if(NOT _linker STREQUAL "default")
    add_link_options(-fuse-ld=${_linker})
endif()
message(STATUS "Tidings: linker ${_linker}; sanitizers '${TIDINGS_SANITIZE}'; fuzz ${TIDINGS_FUZZ}; "
               "-Werror ${TIDINGS_WERROR}; precompiled headers ${TIDINGS_PCH}; "
               "unity ${TIDINGS_UNITY}; tests '${TIDINGS_TEST_CXX_FLAGS}'")
