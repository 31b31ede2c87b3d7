// A standalone driver for LLVMFuzzerTestOneInput where libFuzzer is not available (GCC): runs
// every file of the given corpus directories (or files), then a fixed number of deterministic
// mutations of each (truncations, bit flips, byte insertions and deletions, interesting bytes,
// splices with other corpus files). The seed is fixed, so a failure reproduces exactly; the
// failing input is written to ./crash-replay-<n>.bin.
//
//   replay_fuzz_frame_decoder [--mutations N] [--seed S] CORPUS_DIR_OR_FILE...
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv);
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// The input being run, for the crash handler (plain globals: read from a signal handler).
const Bytes *g_current = nullptr;
char g_crashPath[64] = {};

extern "C" void onCrash(int sig) {
    if (g_current) {
        std::snprintf(g_crashPath, sizeof g_crashPath, "crash-replay-%d.bin", int(getpid()));
        const int fd = ::open(g_crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            [[maybe_unused]] auto n = ::write(fd, g_current->data(), g_current->size());
            ::close(fd);
            const char msg[] = "replay: failing input written to ";
            [[maybe_unused]] auto m = ::write(2, msg, sizeof msg - 1);
            m = ::write(2, g_crashPath, std::strlen(g_crashPath));
            m = ::write(2, "\n", 1);
        }
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void run(const Bytes &input) {
    g_current = &input;
    LLVMFuzzerTestOneInput(input.data(), input.size());
    g_current = nullptr;
}

Bytes readFile(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Deterministic on every platform: mt19937_64 is fully specified; no std distributions.
struct Rng {
    std::mt19937_64 engine;
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine() % n; }
};

Bytes mutate(const Bytes &in, const std::vector<Bytes> &corpus, Rng &rng) {
    static const std::uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x12, 0x0a};
    Bytes m = in;
    const int edits = 1 + int(rng.below(4));
    for (int e = 0; e < edits; ++e) {
        const std::size_t at = std::size_t(rng.below(m.size() + 1));
        switch (rng.below(7)) {
        case 0: // truncate
            m.resize(std::size_t(rng.below(m.size() + 1)));
            break;
        case 1: // flip a bit
            if (!m.empty())
                m[at % m.size()] ^= std::uint8_t(1u << rng.below(8));
            break;
        case 2: // insert a random byte
            m.insert(m.begin() + std::ptrdiff_t(at), std::uint8_t(rng.below(256)));
            break;
        case 3: // delete a byte
            if (!m.empty())
                m.erase(m.begin() + std::ptrdiff_t(at % m.size()));
            break;
        case 4: // overwrite with an interesting byte (varint continuation, tags, lengths)
            if (!m.empty())
                m[at % m.size()] = interesting[rng.below(sizeof interesting)];
            break;
        case 5: { // splice: append part of another corpus entry
            const Bytes &other = corpus[std::size_t(rng.below(corpus.size()))];
            const std::size_t from = std::size_t(rng.below(other.size() + 1));
            m.insert(m.begin() + std::ptrdiff_t(at), other.begin() + std::ptrdiff_t(from),
                     other.end());
            break;
        }
        default: { // duplicate a chunk of itself (repeated fields, merged submessages)
            if (m.empty())
                break;
            const std::size_t from = std::size_t(rng.below(m.size()));
            const std::size_t len = 1 + std::size_t(rng.below(m.size() - from));
            const Bytes chunk(m.begin() + std::ptrdiff_t(from),
                              m.begin() + std::ptrdiff_t(from + len));
            m.insert(m.begin() + std::ptrdiff_t(at), chunk.begin(), chunk.end());
            break;
        }
        }
    }
    return m;
}

int usage() {
    std::fprintf(stderr, "usage: replay [--mutations N] [--seed S] CORPUS_DIR_OR_FILE...\n");
    return 2;
}

} // namespace

int main(int argc, char **argv) {
    long mutations = 3000;
    std::uint64_t seed = 0x7469'6469'6e67'7321; // "tidings!"
    std::vector<fs::path> paths;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--mutations" && i + 1 < argc)
            mutations = std::strtol(argv[++i], nullptr, 10);
        else if (a == "--seed" && i + 1 < argc)
            seed = std::strtoull(argv[++i], nullptr, 0);
        else if (a.rfind("--", 0) == 0)
            return usage();
        else
            paths.emplace_back(a);
    }
    if (paths.empty() || mutations < 0)
        return usage();

    std::vector<fs::path> files;
    for (const auto &p : paths) {
        if (fs::is_directory(p)) {
            for (const auto &e : fs::directory_iterator(p)) {
                if (e.is_regular_file())
                    files.push_back(e.path());
            }
        } else if (fs::is_regular_file(p)) {
            files.push_back(p);
        } else {
            std::fprintf(stderr, "replay: no such file or directory: %s\n", p.c_str());
            return 2;
        }
    }
    std::sort(files.begin(), files.end()); // directory order is not deterministic
    if (files.empty()) {
        std::fprintf(stderr, "replay: the corpus is empty\n");
        return 2;
    }

    std::signal(SIGABRT, onCrash);
    std::signal(SIGSEGV, onCrash);
    std::signal(SIGBUS, onCrash);
    std::signal(SIGFPE, onCrash);
    std::signal(SIGILL, onCrash);
    LLVMFuzzerInitialize(&argc, &argv);

    std::vector<Bytes> corpus;
    corpus.reserve(files.size());
    for (const auto &f : files)
        corpus.push_back(readFile(f));

    const auto start = std::chrono::steady_clock::now();
    Rng rng{std::mt19937_64(seed)};
    long executions = 0;
    run(Bytes{});
    ++executions;
    for (std::size_t i = 0; i < corpus.size(); ++i) {
        run(corpus[i]);
        ++executions;
        for (long k = 0; k < mutations; ++k) {
            run(mutate(corpus[i], corpus, rng));
            ++executions;
        }
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    std::printf("replay: %zu corpus files, %ld executions in %lld ms, no failures\n", corpus.size(),
                executions, static_cast<long long>(ms));
    return 0;
}
