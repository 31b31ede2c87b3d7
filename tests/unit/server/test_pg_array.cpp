// Array literals carry whole batch columns to PostgreSQL; quoting must survive any client id.
#include "db/pg_array.h"

#include <QTest>

using namespace tidings::server;

class TestPgArray : public QObject {
    Q_OBJECT

private slots:
    void integers() {
        QCOMPARE(pgarray::ints(std::vector<quint64>{}), QByteArray("{}"));
        QCOMPARE(pgarray::ints(std::vector<quint64>{1, 22, 18446744073709551615ull}),
                 QByteArray("{1,22,18446744073709551615}"));
    }

    void textsAreQuotedAndEscaped() {
        QCOMPARE(pgarray::texts({"a", "b c", "q\"uote", "back\\slash", "{,}", "NULL"}),
                 QByteArray("{\"a\",\"b c\",\"q\\\"uote\",\"back\\\\slash\",\"{,}\",\"NULL\"}"));
    }

    void byteasAreHex() {
        QCOMPARE(pgarray::byteas({QByteArray("\x00\xff", 2), QByteArray()}),
                 QByteArray("{\"\\\\x00ff\",\"\\\\x\"}"));
    }
};

QTEST_GUILESS_MAIN(TestPgArray)
#include "test_pg_array.moc"
