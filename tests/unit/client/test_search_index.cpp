// SearchIndex: whole-word search over sealed texts through keyed blind tokens (case and
// diacritics folded, every word required, newest first), highlighting on the decrypted text,
// and what the index holds: readable texts only (no placeholder, no control message), filled in
// when a placeholder is, emptied with the account's data.
#include "store_fixture.h"

#include "core/store/message_store.h"
#include "core/store/search_index.h"
#include "core/store/store_crypto.h"

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

namespace {
QString marked(const QString &word) {
    return SearchIndex::kMatchOpen + word + SearchIndex::kMatchClose;
}
} // namespace

class TestSearchIndex : public QObject {
    Q_OBJECT
private:
    StoreFiles m_files;

private slots:
    void wholeWordsFoldedAndNewestFirst() {
        auto store = m_files.open();
        QVERIFY(store->messages()
                    .storeIncoming({fromBob(1, u"The Quokka ate marmalade in Zanzibar"_qs),
                                    fromBob(2, u"périphérique and xylophone"_qs)},
                                   5000, kMe)
                    .ok());
        QVERIFY(store->messages()
                    .enqueueOutgoing({OutgoingDraft{u"c1"_qs, kConv, u"zanzibar again"_qs, 10,
                                                    QByteArray("payload")}},
                                     kMe)
                    .ok());
        SearchIndex &index = store->search();
        auto hits = *index.search(u"ZANZIBAR"_qs, 10);
        QCOMPARE(hits.size(), 2);
        QCOMPARE(hits.at(0).message.text, u"zanzibar again"_qs); // newest first, pending too
        QCOMPARE(hits.at(1).highlighted,
                 u"The Quokka ate marmalade in "_qs + marked(u"Zanzibar"_qs));
        QCOMPARE(index.search(u"zanzibar"_qs, 1)->size(), 1); // the limit
        QCOMPARE(index.search(u"peripherique"_qs, 10)->size(), 1);
        QCOMPARE(index.search(u"quokka marmalade"_qs, 10)->size(), 1); // every word
        QCOMPARE(index.search(u"quokka xylophone"_qs, 10)->size(), 0);
        QCOMPARE(index.search(u"quok"_qs, 10)->size(), 0);              // whole words only
        QVERIFY(index.search(u" ,;"_qs, 10)->isEmpty());                // no word, no query
        QCOMPARE(index.search(u"the \"quokka\" OR"_qs, 10)->size(), 0); // no FTS5 syntax
        QCOMPARE(index.search(u"\"quokka\""_qs, 10)->size(), 1);
        QCOMPARE(SearchIndex::highlight(u"Déjà vu, déjà!"_qs, u"DEJA"_qs),
                 marked(u"Déjà"_qs) + u" vu, "_qs + marked(u"déjà"_qs) + u"!"_qs);
    }

    void onlyReadableTextsAreIndexed() {
        auto store = m_files.open();
        IncomingMessage bad = fromBob(1, u"quokka"_qs);
        bad.undecryptable = true;
        IncomingMessage control = fromBob(2, u"quokka control"_qs);
        control.hidden = true;
        IncomingMessage event = groupEvent(1, SystemEventKind::Renamed, 2, 0, u"quokka"_qs);
        QVERIFY(store->messages().storeIncoming({bad, control, event}, 5000, kMe).ok());
        QVERIFY(store->search().search(u"quokka"_qs, 10)->isEmpty()); // none is searchable
        QVERIFY(
            store->messages().replaceUndecryptable(kConv, 1, 2, u"a quokka after all"_qs, 5).ok());
        auto hits = *store->search().search(u"quokka"_qs, 10);
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits.at(0).message.text, u"a quokka after all"_qs);
        QVERIFY(!hits.at(0).message.undecryptable);
    }

    void anotherAccountEmptiesTheIndex() {
        auto store = m_files.open();
        QVERIFY(store->messages().storeIncoming({fromBob(1, u"quokka"_qs)}, 5000, kMe).ok());
        QVERIFY(store->accounts()
                    .saveAccount(AccountSettings{u"ws://x"_qs, 9, 99, u"zed"_qs, {}})
                    .ok());
        QVERIFY(store->search().search(u"quokka"_qs, 10)->isEmpty());
        // Row ids start again: an old index entry would now point at the wrong message.
        QVERIFY(store->messages().storeIncoming({fromBob(1, u"quokka again"_qs)}, 5000, kMe).ok());
        QCOMPARE(store->search().search(u"quokka"_qs, 10)->size(), 1);
        QCOMPARE(store->search().search(u"again"_qs, 10)->size(), 1);
    }

    void theIndexHoldsNoWord() {
        const QString path = m_files.freshPath();
        auto store = m_files.open(path);
        QVERIFY(store->messages().storeIncoming({fromBob(1, u"xylophone"_qs)}, 5000, kMe).ok());
        QVERIFY(store->database().exec(u"PRAGMA wal_checkpoint(TRUNCATE)"_qs).ok());
        QVERIFY(!fileBytes(path).contains("xylophone"));
        // The tokens are keyed: another master key makes other tokens for the same word.
        const detail::StoreCipher mine(testMasterKey());
        const detail::StoreCipher other(keyOf('o'));
        auto matches = [&](const detail::StoreCipher &cipher) {
            return scalar(store->database(),
                          u"SELECT COUNT(*) FROM messages_search WHERE messages_search MATCH"
                          " '\"%1\"'"_qs.arg(cipher.queryTokens(u"Xylophone"_qs).value(0)))
                .toInt();
        };
        QCOMPARE(matches(mine), 1);
        QCOMPARE(matches(other), 0);
    }
};

QTEST_GUILESS_MAIN(TestSearchIndex)
#include "test_search_index.moc"
