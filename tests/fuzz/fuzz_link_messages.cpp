// libFuzzer target for the device-linking messages (app/core/e2e/device_linking): the hello the
// existing device reads and the grant the new device reads, both relayed by the server. Both are
// authenticated by the link code's secret, which the fuzzer cannot know, so the target also plays
// the honest peer for it: it knows the code and MACs or seals what the fuzzer wrote. The first
// input byte picks the entry:
//   0  a whole hello, as relayed            2  a whole grant, as relayed
//   1  a hello without its MAC (added here) 3  a grant's plaintext (sealed here to the new device)
// Checked: a forged hello or grant is refused; a hello is answered only when it is exactly the
// format (version 1, this account, this device as the target, the relaying device as the sender)
// and the answer is a grant for the device it names; every hello spends the code (the same hello
// again is refused); a grant is accepted exactly when its plaintext is this account and device
// and an Ed25519 seed, and the adopted account key is that seed's; every refusal has a reason.
// Seeds: corpus_link_messages/, written by tidings_fuzz_make_client_corpus.
#include "fuzz_fixtures.h"
#include "test_e2e_helpers.h"

#include <QCoreApplication>

#include <cstring>

using namespace e2etest;
using namespace tidings;
using namespace tidings::crypto;

namespace {

constexpr quint64 kUser = 2;
constexpr quint64 kExistingDevice = 1;
constexpr quint64 kNewDevice = 2;
// The new device's code: existing device 1, a secret of ten zero bytes ("A" is 0 in base32).
const QString kFixedCode = QStringLiteral("1-AAAAAAAAAAAAAAAA");

struct World {
    FakeServer server;
    Device existing{kUser, kExistingDevice};
    Device linker{kUser, kNewDevice};
    QByteArray linkerDik;

    World() {
        setUpFirstDevice(server, existing);
        linkerDik =
            qba(must(linker->ensureDeviceKeys(kUser, kNewDevice, false), "keys").identity_key());
    }
};
World *world = nullptr;

[[noreturn]] void fail(const char *what) {
    fuzz::fail("fuzz_link_messages", what);
}

void checkRefusal(const Error &e) {
    if (e.detail.isEmpty())
        fail("a refusal without a reason");
}

//! The code's secret, as device_linking.cpp reads it (base32, upper case, 16 characters).
SecretBytes codeSecret(const QString &code) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    SecretBytes out(10);
    std::size_t n = 0;
    quint32 buffer = 0;
    int bits = 0;
    for (QChar c : code.mid(code.indexOf(QLatin1Char('-')) + 1)) {
        const char *p = std::strchr(alphabet, c.toLatin1());
        if (!p || !c.toLatin1())
            fail("an unexpected link code");
        buffer = (buffer << 5) | quint32(p - alphabet);
        bits += 5;
        if (bits >= 8 && n < out.size()) {
            out.data()[n++] = std::uint8_t(buffer >> (bits - 8));
            bits -= 8;
        }
    }
    return out;
}

QByteArray macHello(const QString &code, const QByteArray &body) {
    const SecretBytes key =
        hkdf(QByteArray("TidingsLinkv1"), codeSecret(code), QByteArray("TidingsLinkMacv1"), 32);
    const SecretBytes mac = hmacSha256(key, body);
    return body + QByteArray(mac.constChar(), qsizetype(mac.size()));
}

QByteArray sealGrant(const QByteArray &plaintext) {
    const X25519KeyPair eph = X25519KeyPair::generate();
    auto dh = x25519(eph.secretKey, world->linkerDik);
    if (!dh)
        fail("dh with the new device's key");
    const SecretBytes key =
        hkdf(codeSecret(kFixedCode), *dh, QByteArray("TidingsLinkGrantv1"), kKeySize);
    QByteArray ad("TidingsLinkGrantv1");
    appendU64(ad, kUser);
    appendU64(ad, kNewDevice);
    ad += eph.publicKey;
    return QByteArray(1, char(1)) + eph.publicKey + aeadSeal(key, ad, plaintext);
}

//! What answerLinkHello must accept: the hello format for this account and device.
bool wellFormedHello(const QByteArray &hello) {
    ByteReader r(hello);
    const quint8 version = r.getU8();
    const quint64 user = r.getU64();
    const quint64 device = r.getU64();
    const quint64 target = r.getU64();
    r.getRaw(kKeySize);
    const QByteArray dik = r.getRaw(kKeySize);
    r.getRaw(kKeySize);
    return r.ok() && r.atEnd() && version == 1 && user == kUser && device == kNewDevice &&
           target == kExistingDevice && isCanonicalX25519Public(dik);
}

//! The existing device answers a hello (`body` with the code's MAC added when `addMac`).
void answerHello(const QByteArray &body, bool addMac) {
    World &w = *world;
    const QString code = must(w.existing->createLinkCode(kExistingDevice), "code");
    const QByteArray hello = addMac ? macHello(code, body) : body;
    auto r = w.existing->answerLinkHello(kNewDevice, hello);
    if (!r) {
        checkRefusal(r.error());
    } else {
        if (!addMac)
            fail("a hello without the code's MAC was answered");
        if (!wellFormedHello(hello))
            fail("a malformed hello was answered");
        if (r->newDevice.userId != kUser || r->newDevice.deviceId != kNewDevice)
            fail("a grant for another device");
        if (r->blob.size() != 1 + 32 + 24 + 8 + 8 + 32 + 16 || r->blob.at(0) != 1)
            fail("a grant of the wrong size");
    }
    if (w.existing->answerLinkHello(kNewDevice, hello))
        fail("a link code answered twice");
}

void acceptGrant(const QByteArray &grant, const QByteArray *plaintext) {
    World &w = *world;
    must(w.linker->linkHello(kFixedCode, kUser, kNewDevice), "hello");
    auto s = w.linker->acceptLinkGrant(grant);
    bool expected = false;
    QByteArray seed;
    if (plaintext) {
        ByteReader r(*plaintext);
        const quint64 user = r.getU64();
        const quint64 device = r.getU64();
        seed = r.getRaw(kKeySize);
        expected = r.ok() && r.atEnd() && user == kUser && device == kNewDevice;
    }
    if (!s) {
        checkRefusal(s.error());
        if (expected)
            fail("a well-formed grant was refused");
        return;
    }
    if (!expected)
        fail("a forged or malformed grant was accepted");
    auto pair = Ed25519KeyPair::fromSeed(SecretBytes::fromRaw(seed.constData(), kKeySize));
    if (!pair || w.linker->accountKey() != pair->publicKey)
        fail("the adopted account key is not the grant's");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static QCoreApplication app(*argc, *argv);
    world = new World;
    // The MAC and the sealing here must be device_linking.cpp's: a real hello's MAC matches, and
    // a grant sealed here is adopted.
    auto code = must(world->existing->createLinkCode(kExistingDevice), "code");
    auto hello = must(world->linker->linkHello(code, kUser, kNewDevice), "hello").second;
    if (macHello(code, hello.chopped(32)) != hello)
        fail("the hello MAC here differs from device_linking.cpp's: update the target");
    QByteArray plain;
    appendU64(plain, kUser);
    appendU64(plain, kNewDevice);
    plain += QByteArray(32, 's');
    must(world->linker->linkHello(kFixedCode, kUser, kNewDevice), "hello");
    if (!world->linker->acceptLinkGrant(sealGrant(plain)))
        fail("a grant sealed here is refused: update the target");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    if (size < 1 || size > 4096)
        return 0;
    const QByteArray data(reinterpret_cast<const char *>(bytes) + 1, qsizetype(size - 1));
    switch (bytes[0] % 4) {
    case 0:
        answerHello(data, false);
        break;
    case 1:
        answerHello(data, true);
        break;
    case 2:
        acceptGrant(data, nullptr);
        break;
    case 3:
        acceptGrant(sealGrant(data), &data);
        break;
    }
    return 0;
}
