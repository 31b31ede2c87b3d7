// libFuzzer target for signed device lists (shared/crypto/device_list: verifyDeviceList and
// DeviceList::decodeBody), what a client reads from DEVICE_LIST_RESPONSE, BUNDLES_RESPONSE and its
// own store. The signature is checked before the body is read, so fuzzed blobs alone never reach
// the body parser; the first input byte picks the entry:
//   0  the bytes are a whole signed blob (u32 len ‖ body ‖ signature)
//   1  the bytes are a body, signed here with the fixed account key (fuzz_fixtures.h)
// Checked: an accepted list is the list the AIK signed (signing it again gives the same bytes:
// one encoding per list), its user is the expected one, its version not a rollback, at most
// kMaxDevices devices with strictly increasing ids and 32-byte keys; a body the decoder accepts,
// signed, is accepted unless its user or version says otherwise; every refusal is a typed error.
// Seeds: corpus_device_list/, written by tidings_fuzz_make_client_corpus.
#include "crypto/crypto_error.h"
#include "crypto/device_list.h"
#include "fuzz_fixtures.h"

#include <cstddef>
#include <cstdint>

using namespace tidings;
using namespace tidings::crypto;

namespace {

const Ed25519KeyPair *aik = nullptr;

[[noreturn]] void fail(const char *what) {
    fuzz::fail("fuzz_device_list", what);
}

//! The blob format of device_list.h, built here so the fuzzer controls the body.
QByteArray signBody(const QByteArray &body) {
    QByteArray blob;
    appendBlob(blob, body);
    blob += ed25519Sign(aik->secretKey, QByteArray("TidingsDeviceListv1") + body);
    return blob;
}

void checkList(const DeviceList &l) {
    if (l.userId != fuzz::kListUserId)
        fail("accepted a list of another user");
    if (l.version < fuzz::kListNewestSeen)
        fail("accepted a rolled-back version");
    if (l.devices.size() > DeviceList::kMaxDevices)
        fail("accepted too many devices");
    for (qsizetype i = 0; i < l.devices.size(); ++i) {
        const DeviceEntry &d = l.devices.at(i);
        if (d.dsk.size() != qsizetype(kKeySize) || d.dik.size() != qsizetype(kKeySize))
            fail("accepted a key that is not 32 bytes");
        if (i > 0 && d.deviceId <= l.devices.at(i - 1).deviceId)
            fail("accepted device ids out of order");
        const auto id = l.identity(d.deviceId);
        if (!id || id->userId != l.userId || id->dsk != d.dsk || id->dik != d.dik)
            fail("identity() disagrees with the list");
    }
}

void checkRefusal(const Error &e) {
    if (e.detail.isEmpty())
        fail("a refusal without a reason");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    aik = new Ed25519KeyPair(fuzz::fixedAccountKey());
    // The blob built here must be the production format: a real list signed both ways.
    DeviceList l;
    l.userId = fuzz::kListUserId;
    l.version = fuzz::kListNewestSeen;
    l.devices.append(DeviceEntry{1, QByteArray(32, 'd'), X25519KeyPair::generate().publicKey});
    if (signBody(l.encodeBody()) != signDeviceList(l, *aik))
        fail("signBody() no longer matches signDeviceList(): update the target");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    if (size < 1 || size > 1 << 14)
        return 0;
    const QByteArray data(reinterpret_cast<const char *>(bytes) + 1, qsizetype(size - 1));
    if (bytes[0] % 2 == 0) {
        auto r = verifyDeviceList(data, aik->publicKey, fuzz::kListUserId, fuzz::kListNewestSeen);
        if (!r) {
            checkRefusal(r.error());
            return 0;
        }
        checkList(*r);
        if (signDeviceList(*r, *aik) != data)
            fail("an accepted blob is not the one encoding of its list");
        return 0;
    }
    const QByteArray blob = signBody(data);
    auto decoded = DeviceList::decodeBody(data);
    auto r = verifyDeviceList(blob, aik->publicKey, fuzz::kListUserId, fuzz::kListNewestSeen);
    if (!r) {
        checkRefusal(r.error());
        if (decoded && decoded->userId == fuzz::kListUserId &&
            decoded->version >= fuzz::kListNewestSeen)
            fail("a signed list the decoder accepts was refused");
        return 0;
    }
    if (!decoded || !(*decoded == *r))
        fail("verify and decodeBody disagree");
    checkList(*r);
    if (r->encodeBody() != data)
        fail("an accepted body is not the one encoding of its list");
    // The signature covers the user: the same blob for another user is refused.
    auto other = verifyDeviceList(blob, aik->publicKey, fuzz::kListUserId + 1, 0);
    if (other)
        fail("a list was accepted for another user");
    return 0;
}
