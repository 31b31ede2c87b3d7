#pragma once
// Whether this build runs under AddressSanitizer (GCC's and clang's spellings), for the tests whose
// figures or stream lengths differ there. One place for the test: moc reads the test files
// without the compiler's macros (tidings_moc_sources in cmake/TidingsHelpers.cmake), so no test
// class may hold a preprocessor conditional; this constant is tested with `if constexpr` instead.
#if defined(__SANITIZE_ADDRESS__)
#define TIDINGS_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TIDINGS_TEST_UNDER_ASAN 1
#endif
#endif

namespace tidings::test {
#ifdef TIDINGS_TEST_UNDER_ASAN
inline constexpr bool kUnderAsan = true;
#else
inline constexpr bool kUnderAsan = false;
#endif
} // namespace tidings::test
