// CRC-32C against the check values of RFC 3720 (iSCSI, appendix B.4) and the CRC catalogue's
// "123456789", and TensorFlow's masking (rotate right by 15, add 0xA282EAD8) worked by hand.

#include "core/util/crc32c.h"

#include <QtTest/QtTest>

#include <string>

using alig::core::crc32c;
using alig::core::maskedCrc32c;

class TestCrc32c : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void checkValues_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<uint>("crc");
        QByteArray ascending(32, '\0');
        QByteArray descending(32, '\0');
        for (int i = 0; i < 32; ++i) {
            ascending[i] = static_cast<char>(i);
            descending[i] = static_cast<char>(31 - i);
        }
        QTest::newRow("empty") << QByteArray() << 0x00000000u;
        QTest::newRow("123456789") << QByteArray("123456789") << 0xE3069283u;
        QTest::newRow("32 zeros") << QByteArray(32, '\0') << 0x8A9136AAu;
        QTest::newRow("32 x 0xFF") << QByteArray(32, '\xFF') << 0x62A8AB43u;
        QTest::newRow("0..31") << ascending << 0x46DD794Eu;
        QTest::newRow("31..0") << descending << 0x113FDB5Cu;
    }
    void checkValues() {
        QFETCH(QByteArray, bytes);
        QFETCH(uint, crc);
        QCOMPARE(crc32c(bytes.constData(), static_cast<size_t>(bytes.size())), crc);
    }

    void masked() {
        // 0xE3069283 rotated right by 15: (0xE3069283 >> 15) | (0xE3069283 << 17) mod 2^32
        // = 0x0001C60D | 0x25060000 = 0x2507C60D; plus 0xA282EAD8 = 0xC78AB0E5.
        QCOMPARE(maskedCrc32c("123456789", 9), 0xC78AB0E5u);
    }
};

QTEST_GUILESS_MAIN(TestCrc32c)
#include "tst_crc32c.moc"
