// libFuzzer target for the client store's sealed rows (app/core/store/store_crypto: StoreCipher's
// open functions with a fixed master key, the stored attachment pointer behind an opened
// "pointer" field, and the search tokenizer that indexes every message text). Input: u8 mode ‖
// u8 kind ‖ data; kind picks the row: message text, outbox payload, draft, attachment pointer,
// path or job, or the key check. Modes:
//   0  data is the stored (sealed) value of that row
//   1  data is the plaintext, sealed here
// Checked: a sealed value opens only for the row it was sealed for (another conversation, sender,
// message id, attachment row or index is refused) and gives back exactly what was sealed; a
// refusal is a Storage error with a reason; an opened pointer that decodes encodes stably; the
// search words lie inside the text and fold to something, and a query of a text asks for exactly
// the tokens the index holds for it.
// Seeds: corpus_sealed_rows/, written by tidings_fuzz_make_client_corpus.
#include "core/store/store_crypto.h"
#include "core/sync/payload_codec.h"
#include "fuzz_fixtures.h"

#include <google/protobuf/stubs/logging.h>

#include <QSet>

#include <cstddef>
#include <cstdint>

using namespace tidings;
using namespace tidings::client;
using tidings::client::detail::StoreCipher;

namespace {

const StoreCipher *cipher = nullptr;

[[noreturn]] void fail(const char *what) {
    fuzz::fail("fuzz_sealed_rows", what);
}

using Row = fuzz::SealedRow;
const Row kRow; //!< the row every seed is sealed for

//! The second input byte (make_client_corpus.cpp writes the same numbers).
enum Kind { Text, Payload, Draft, Pointer, Path, Job, KeyCheck, KindCount };
const char *attachmentField(int kind) {
    return kind == Pointer ? "pointer" : kind == Path ? "path" : "job";
}

QByteArray seal(int kind, const QByteArray &plain, const Row &r) {
    switch (kind) {
    case Text:
        return cipher->sealText(QString::fromUtf8(plain), r.conversation, r.sender, r.messageId);
    case Payload:
        return cipher->sealPayload(plain, r.conversation, r.messageId);
    case Draft:
        return cipher->sealDraft(QString::fromUtf8(plain), r.conversation);
    default:
        return cipher->sealAttachment(attachmentField(kind), plain, r.rowId, r.index);
    }
}

//! The opened plaintext (texts as UTF-8), or the error.
Result<QByteArray> open(int kind, const QByteArray &sealed, const Row &r) {
    auto utf8 = [](const Result<QString> &t) -> Result<QByteArray> {
        if (!t)
            return t.error();
        return t->toUtf8();
    };
    switch (kind) {
    case Text:
        return utf8(cipher->openText(sealed, r.conversation, r.sender, r.messageId));
    case Payload:
        return cipher->openPayload(sealed, r.conversation, r.messageId);
    case Draft:
        return utf8(cipher->openDraft(sealed, r.conversation));
    default:
        return cipher->openAttachment(attachmentField(kind), sealed, r.rowId, r.index);
    }
}

//! Each bound field changed alone: the value must not open there.
void checkBound(int kind, const QByteArray &sealed) {
    for (int field = 0; field < 5; ++field) {
        Row other = kRow;
        if (field == 0)
            ++other.conversation;
        else if (field == 1)
            ++other.sender;
        else if (field == 2)
            other.messageId += QLatin1Char('x');
        else if (field == 3)
            ++other.rowId;
        else
            ++other.index;
        const bool bound = kind == Text      ? field <= 2
                           : kind == Payload ? field == 0 || field == 2
                           : kind == Draft   ? field == 0
                                             : field >= 3;
        if (bound && open(kind, sealed, other))
            fail("a sealed value opened for another row");
    }
}

void checkSearch(const QString &text) {
    const QList<detail::SearchWord> words = detail::searchWords(text);
    QSet<QString> folded;
    for (const auto &w : words) {
        if (w.start < 0 || w.length <= 0 || w.start + w.length > text.size())
            fail("a search word outside its text");
        if (w.folded.isEmpty())
            fail("a search word folded to nothing");
        folded.insert(w.folded);
    }
    const QStringList query = cipher->queryTokens(text);
    const QString index = cipher->blindTokens(text);
    if (query.size() != folded.size())
        fail("not one query token per distinct word");
    if (query.join(QLatin1Char(' ')) != index)
        fail("the query of a text differs from its index tokens");
}

void checkOpened(int kind, const QByteArray &plain) {
    if (kind == Pointer) {
        if (auto a = decodeStoredAttachment(plain)) {
            const QByteArray once = encodeAttachment(*a);
            auto again = decodeStoredAttachment(once);
            if (!again || encodeAttachment(*again) != once)
                fail("a stored pointer does not encode stably");
        }
    }
    if (kind == Text || kind == Draft)
        checkSearch(QString::fromUtf8(plain));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    google::protobuf::SetLogHandler(nullptr);
    cipher = new StoreCipher(fuzz::fixedMasterKey());
    if (!cipher->valid())
        fail("the fixed master key is refused");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    if (size < 2 || size > 8192)
        return 0;
    const QByteArray data(reinterpret_cast<const char *>(bytes) + 2, qsizetype(size - 2));
    const int kind = bytes[1] % KindCount;
    if (kind == KeyCheck) {
        // Only the check this key wrote matches; anything else is a key mismatch, not a crash.
        if (cipher->matchesKeyCheck(data) && data.size() != cipher->keyCheck().size())
            fail("a key check of the wrong size matched");
        return 0;
    }
    if (bytes[0] % 2 == 0) {
        auto plain = open(kind, data, kRow);
        if (!plain) {
            if (plain.error().code != ErrorCode::Storage || plain.error().detail.isEmpty())
                fail("a refusal that is not a Storage error with a reason");
            return 0;
        }
        checkBound(kind, data);
        checkOpened(kind, *plain);
        return 0;
    }
    const QByteArray sealed = seal(kind, data, kRow);
    auto plain = open(kind, sealed, kRow);
    if (!plain)
        fail("a freshly sealed value does not open");
    const QByteArray expected =
        kind == Text || kind == Draft ? QString::fromUtf8(data).toUtf8() : data;
    if (*plain != expected)
        fail("opened something else than was sealed");
    checkBound(kind, sealed);
    checkOpened(kind, *plain);
    return 0;
}
