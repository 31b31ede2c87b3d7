// libFuzzer target for signed group state (shared/crypto/group_state: decodeGroupChange and
// applyGroupChange), what a member's client reads from the group log and the events the server
// relays. The signature is checked before any rule, so fuzzed blobs alone rarely get past it; the
// first input byte picks the entry and the state it is applied to:
//   bit 0: 0  the bytes are a whole signed blob (u32 len ‖ body ‖ signature)
//          1  the bytes are a body, signed here with the admin's fixed account key
//   bit 1: 0  applied to no state (the change must be a genesis)
//          1  applied to the state after the fixed genesis (admin 1, member 2; fuzz_fixtures.h)
// Checked: an accepted change is the one encoding of its operations; the new state is the next
// version, has at most 500 members, an admin whenever it has members, 32-byte keys and the
// change's hash as its head; every refusal is a typed error with a reason.
// Seeds: corpus_group_state/, written by tidings_fuzz_make_client_corpus.
#include "crypto/crypto_error.h"
#include "crypto/group_state.h"
#include "fuzz_fixtures.h"
#include "protocol/limits.h"

#include <cstddef>
#include <cstdint>

using namespace tidings;
using namespace tidings::crypto;

namespace {

const Ed25519KeyPair *admin = nullptr;
const GroupState *founded = nullptr;

[[noreturn]] void fail(const char *what) {
    fuzz::fail("fuzz_group_state", what);
}

QByteArray signBody(const QByteArray &body) {
    QByteArray blob;
    appendBlob(blob, body);
    blob += ed25519Sign(admin->secretKey, QByteArray("TidingsGroupStatev1") + body);
    return blob;
}

void checkState(const GroupState &prev, const GroupState &next, const GroupStateChange &c) {
    if (next.version != prev.version + 1 || next.version != c.version)
        fail("accepted a change that is not the next version");
    if (next.headHash != groupChangeHash(c.body))
        fail("the head is not the change's hash");
    if (next.members.size() > limits::kMaxGroupMembers)
        fail("accepted more than 500 members");
    if (!next.members.isEmpty() && next.adminCount() == 0)
        fail("accepted a group without an admin");
    for (const GroupMember &m : next.members)
        if (m.aik.size() != qsizetype(kKeySize) || m.userId == 0)
            fail("accepted a member without a 32-byte key");
    if (prev.version == 0 && !next.isAdmin(c.actorUserId))
        fail("accepted a genesis whose actor is not an admin");
    if (prev.version > 0 && next.groupUid != prev.groupUid)
        fail("the group changed its id");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    admin = new Ed25519KeyPair(fuzz::fixedAccountKey());
    GroupStateChange genesis = fuzz::fixedGroupGenesis();
    const QByteArray blob = signGroupChange(genesis, *admin);
    if (signBody(genesis.body) != blob)
        fail("signBody() no longer matches signGroupChange(): update the target");
    auto decoded = decodeGroupChange(blob);
    auto state = decoded ? applyGroupChange(GroupState{}, *decoded, admin->publicKey)
                         : Result<GroupState>(decoded.error());
    if (!state)
        fail("the fixed genesis does not apply");
    founded = new GroupState(*state);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    if (size < 1 || size > 1 << 16)
        return 0;
    const QByteArray data(reinterpret_cast<const char *>(bytes) + 1, qsizetype(size - 1));
    const QByteArray blob = bytes[0] & 1 ? signBody(data) : data;
    const GroupState &prev = bytes[0] & 2 ? *founded : GroupState{};
    auto decoded = decodeGroupChange(blob);
    if (!decoded) {
        if (decoded.error().detail.isEmpty())
            fail("a refusal without a reason");
        return 0;
    }
    if (decoded->encodeBody() != decoded->body)
        fail("a decoded change is not the one encoding of its operations");
    auto next = applyGroupChange(prev, *decoded, admin->publicKey);
    if (!next) {
        if (next.error().detail.isEmpty() || cryptoErrorOf(next.error()) == CryptoError::None)
            fail("a refusal that is not a typed crypto error");
        return 0;
    }
    checkState(prev, *next, *decoded);
    // The same change again is a replay.
    if (applyGroupChange(*next, *decoded, admin->publicKey))
        fail("a change applied twice");
    return 0;
}
