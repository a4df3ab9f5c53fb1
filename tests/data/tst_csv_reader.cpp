// Tests of readCsvTable() and readCsvDataset() on files written by the test: header
// detection, label column choice, label mapping, the seeded split, a separate test file,
// and errors with file:line:column.

#include "common/test_support.h"
#include "core/data/csv_reader.h"
#include "core/util/error.h"

#include <QtTest>
#include <torch/torch.h>

#include <istream>
#include <set>
#include <streambuf>

using namespace alig::core;
using alig::test::errorOf;
using alig::test::scratchDir;
using alig::test::writeFile;

namespace {

std::vector<float> toFloats(const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous().reshape({-1});
    return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

std::vector<int64_t> toLongs(const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous().reshape({-1});
    return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

// n rows "i, 2i, label" with the label i % 3 spelled as a word.
std::string rowsText(int n, bool header) {
    static const char* words[] = {"cat", "dog", "ant"};
    std::string s = header ? "a,b,animal\n" : "";
    for (int i = 0; i < n; ++i)
        s += std::to_string(i) + "," + std::to_string(2 * i) + "," + words[i % 3] + "\n";
    return s;
}

// A stream that hands out `good` bytes and then fails as a disk does (the read throws, which
// the stream turns into badbit): a read error in the middle of a file.
class FailingBuffer : public std::streambuf {
public:
    explicit FailingBuffer(std::string good)
        : m_good(std::move(good)) {
        setg(m_good.data(), m_good.data(), m_good.data() + m_good.size());
    }

protected:
    int_type underflow() override { throw std::ios_base::failure("Input/output error"); }

private:
    std::string m_good;
};

} // namespace

Q_DECLARE_METATYPE(std::vector<float>)
Q_DECLARE_METATYPE(std::vector<std::string>)

class TestCsvReader : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void table_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("labelColumn");
        QTest::addColumn<QString>("header");
        QTest::addColumn<bool>("hasHeader");
        QTest::addColumn<int>("labelIndex");
        QTest::addColumn<std::vector<float>>("features");
        QTest::addColumn<std::vector<std::string>>("labels");
        QTest::newRow("auto header, last column")
            << "x,y,label\n1,2,a\n3.5,-4e-1,b\n"
            << ""
            << "auto" << true << 2 << std::vector<float>{1, 2, 3.5f, -0.4f}
            << std::vector<std::string>{"a", "b"};
        // Text only in the label column is data, not a header.
        QTest::newRow("auto, text labels, no header")
            << "1,2,cat\n3,4,dog\n"
            << ""
            << "auto" << false << 2 << std::vector<float>{1, 2, 3, 4}
            << std::vector<std::string>{"cat", "dog"};
        QTest::newRow("auto, all numbers") << "1,2,0\n3,4,1\n"
                                           << ""
                                           << "auto" << false << 2 << std::vector<float>{1, 2, 3, 4}
                                           << std::vector<std::string>{"0", "1"};
        QTest::newRow("header yes with numeric names")
            << "1,2,3\n5,6,7\n"
            << ""
            << "yes" << true << 2 << std::vector<float>{5, 6} << std::vector<std::string>{"7"};
        QTest::newRow("header no") << "1,2,3\n5,6,7\n"
                                   << ""
                                   << "no" << false << 2 << std::vector<float>{1, 2, 5, 6}
                                   << std::vector<std::string>{"3", "7"};
        QTest::newRow("label by name") << "species,w,h\nfoo,1,2\nbar,3,4\n"
                                       << "species"
                                       << "auto" << true << 0 << std::vector<float>{1, 2, 3, 4}
                                       << std::vector<std::string>{"foo", "bar"};
        QTest::newRow("label by index") << "1,7,2\n3,8,4\n"
                                        << "1"
                                        << "auto" << false << 1 << std::vector<float>{1, 2, 3, 4}
                                        << std::vector<std::string>{"7", "8"};
        QTest::newRow("quotes, CRLF, BOM, blank lines, spaces")
            << "\xEF\xBB\xBF\"x 1\",\"y\",\"kind\"\r\n 1 , \"2\" ,\"a, \"\"b\"\"\"\r\n\r\n"
               "+3,4,c\r\n"
            << ""
            << "auto" << true << 2 << std::vector<float>{1, 2, 3, 4}
            << std::vector<std::string>{"a, \"b\"", "c"};
        QTest::newRow("semicolons")
            << "x;y;l\n1.5;2;u\n"
            << ""
            << "auto" << true << 2 << std::vector<float>{1.5f, 2} << std::vector<std::string>{"u"};
        QTest::newRow("tabs") << "1\t2\tu\n"
                              << ""
                              << "auto" << false << 2 << std::vector<float>{1, 2}
                              << std::vector<std::string>{"u"};
    }
    void table() {
        QFETCH(QString, text);
        QFETCH(QString, labelColumn);
        QFETCH(QString, header);
        QFETCH(bool, hasHeader);
        QFETCH(int, labelIndex);
        QFETCH(std::vector<float>, features);
        QFETCH(std::vector<std::string>, labels);
        const std::string path = scratchDir(QTest::currentDataTag()) + "/t.csv";
        writeFile(path, text.toStdString());
        const CsvTable t = readCsvTable(path, labelColumn.toStdString(), header.toStdString());
        QCOMPARE(t.hasHeader, hasHeader);
        QCOMPARE(t.labelIndex, int64_t(labelIndex));
        QCOMPARE(t.features.size(0), int64_t(labels.size()));
        QCOMPARE(toFloats(t.features), features);
        QCOMPARE(t.labels, labels);
    }

    void errors_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("labelColumn");
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("expected"); // after "<path>"
        QTest::newRow("text in numeric column")
            << "x,y,l\n1,2,a\n3,abc,b\n"
            << ""
            << "auto"
            << ":3:3: 'abc' in numeric column 'y' is not a number";
        QTest::newRow("text, no header")
            << "1,2,a\n1,  2x,b\n"
            << ""
            << "auto"
            << ":2:3: '2x' in numeric column 'column 1' is not a number";
        QTest::newRow("empty numeric field") << "x,y,l\n1,,a\n"
                                             << ""
                                             << "auto"
                                             << ":2:3: empty field in numeric column 'y'";
        QTest::newRow("empty label") << "x,y,l\n1,2,\n"
                                     << ""
                                     << "auto"
                                     << ":2:5: empty label";
        QTest::newRow("ragged short") << "x,y,l\n1,2,a\n1,2\n"
                                      << ""
                                      << "auto"
                                      << ":3: expected 3 fields (as on line 1), found 2";
        QTest::newRow("ragged long") << "\n1,2,a\n1,2,3,4\n"
                                     << ""
                                     << "auto"
                                     << ":3: expected 3 fields (as on line 2), found 4";
        QTest::newRow("missing label name")
            << "x,y,l\n1,2,a\n"
            << "species"
            << "auto"
            << ":1: no column named 'species' for the labels (columns: x, y, l)";
        QTest::newRow("label name without header") << "1,2,a\n"
                                                   << "species"
                                                   << "no"
                                                   << ":1: the label column 'species' is a name";
        QTest::newRow("label index out of range") << "1,2,a\n"
                                                  << "3"
                                                  << "auto"
                                                  << ":1: label column 3 is out of range";
        QTest::newRow("nan") << "x,y,l\n1,nan,a\n"
                             << ""
                             << "auto"
                             << ":2:3: 'nan' in column 'y' is NaN or infinite";
        QTest::newRow("inf") << "x,y,l\n-inf,1,a\n"
                             << ""
                             << "auto"
                             << ":2:1: '-inf' in column 'x' is NaN or infinite";
        QTest::newRow("too large for float") << "x,y,l\n1e39,1,a\n"
                                             << ""
                                             << "auto"
                                             << ":2:1: '1e39' in column 'x' is NaN or infinite";
        QTest::newRow("empty file") << ""
                                    << ""
                                    << "auto"
                                    << ": empty file";
        QTest::newRow("blank lines only") << "\n \n\r\n"
                                          << ""
                                          << "auto"
                                          << ": empty file";
        QTest::newRow("header only") << "x,y,l\n"
                                     << ""
                                     << "auto"
                                     << ": no data rows";
        QTest::newRow("one column") << "l\n1\n"
                                    << ""
                                    << "auto"
                                    << ":1: found 1 column";
        QTest::newRow("unterminated quote") << "x,y,l\n1,2,\"abc\n"
                                            << ""
                                            << "auto"
                                            << ":2:5: unterminated quoted field";
        QTest::newRow("bad header setting") << "1,2,3\n"
                                            << ""
                                            << "maybe"
                                            << "dataset.header";
    }
    void errors() {
        QFETCH(QString, text);
        QFETCH(QString, labelColumn);
        QFETCH(QString, header);
        QFETCH(QString, expected);
        const std::string path = scratchDir(QTest::currentDataTag()) + "/bad.csv";
        writeFile(path, text.toStdString());
        const QString msg =
            errorOf([&] { readCsvTable(path, labelColumn.toStdString(), header.toStdString()); });
        const QString want =
            expected.startsWith("dataset.") ? expected : QString::fromStdString(path) + expected;
        QVERIFY2(msg.contains(want), qPrintable(msg + "\n  lacks: " + want));
    }

    void missingFile() {
        DatasetConfig config;
        config.kind = "csv";
        config.path = scratchDir("missing") + "/none.csv";
        const QString msg = errorOf([&] { readCsvDataset(config); });
        QVERIFY2(msg.contains(QString::fromStdString(config.path) + ": CSV file not found"),
                 qPrintable(msg));
    }

    // The file fails after its fourth line: an error naming the line after the last read,
    // never a table of the rows before it (the failed read was taken as the end of the file).
    void readErrorMidFile() {
        FailingBuffer buffer("a,b,animal\n0,0,cat\n1,2,dog\n2,4,ant\n3,6,c");
        std::istream in(&buffer);
        const QString msg = errorOf([&] { readCsvTable(in, "data.csv"); });
        QVERIFY2(msg.startsWith("data.csv:5: cannot read the file past this line"),
                 qPrintable(msg));
    }

    void labelMapping_data() {
        QTest::addColumn<QString>("labels"); // one label per row, comma separated
        QTest::addColumn<std::vector<std::string>>("classNames");
        QTest::addColumn<QString>("encoded");
        QTest::newRow("integers") << "2,0,2,5"
                                  << std::vector<std::string>{"0", "1", "2", "3", "4", "5"}
                                  << "2,0,2,5";
        QTest::newRow("strings sorted")
            << "dog,cat,emu,cat" << std::vector<std::string>{"cat", "dog", "emu"} << "1,0,2,0";
        // One non-integer makes every label a string, sorted as text.
        QTest::newRow("mixed") << "10,2,x" << std::vector<std::string>{"10", "2", "x"} << "0,1,2";
        QTest::newRow("negative integer") << "-1,1" << std::vector<std::string>{"-1", "1"} << "0,1";
    }
    void labelMapping() {
        QFETCH(QString, labels);
        QFETCH(std::vector<std::string>, classNames);
        QFETCH(QString, encoded);
        std::string text = "f,label\n";
        const QStringList ls = labels.split(',');
        for (int i = 0; i < ls.size(); ++i)
            text += std::to_string(i) + "," + ls[i].toStdString() + "\n";
        DatasetConfig config;
        config.kind = "csv";
        config.path = scratchDir(QTest::currentDataTag()) + "/l.csv";
        config.testFraction = 0;
        writeFile(config.path, text);
        const Dataset ds = readCsvDataset(config);
        QCOMPARE(ds.classNames, classNames);
        QCOMPARE(ds.testSize(), int64_t(0));
        // The split permutes rows: the feature is the row number, so undo it through it.
        const std::vector<float> f = toFloats(ds.trainX);
        const std::vector<int64_t> y = toLongs(ds.trainY);
        std::vector<int64_t> byRow(y.size());
        for (size_t i = 0; i < y.size(); ++i)
            byRow[size_t(f[i])] = y[i];
        QStringList got;
        for (int64_t v : byRow)
            got << QString::number(v);
        QCOMPARE(got.join(','), encoded);
    }

    void split_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<double>("fraction");
        QTest::addColumn<int>("testRows");
        QTest::newRow("100 at 0.2") << 100 << 0.2 << 20;
        QTest::newRow("10 at 0.25 rounds") << 10 << 0.25 << 3; // llround(2.5) = 3
        QTest::newRow("7 at 0") << 7 << 0.0 << 0;
    }
    void split() {
        QFETCH(int, rows);
        QFETCH(double, fraction);
        QFETCH(int, testRows);
        DatasetConfig config;
        config.kind = "csv";
        config.path = scratchDir(QTest::currentDataTag()) + "/s.csv";
        config.testFraction = fraction;
        config.seed = 42;
        writeFile(config.path, rowsText(rows, true));
        const Dataset a = readCsvDataset(config);
        QCOMPARE(a.testSize(), int64_t(testRows));
        QCOMPARE(a.trainSize(), int64_t(rows - testRows));
        QCOMPARE(a.inputShape, (std::vector<int64_t>{2}));
        QCOMPARE(a.classNames, (std::vector<std::string>{"ant", "cat", "dog"}));
        QCOMPARE(a.testX.sizes().vec(), (std::vector<int64_t>{testRows, 2}));
        // Every row lands in exactly one part, with its own label (i % 3 -> cat, dog, ant).
        std::set<int> seen;
        const int classOfWord[] = {1, 2, 0};
        for (const auto& [x, y] : {std::pair{a.trainX, a.trainY}, std::pair{a.testX, a.testY}}) {
            const std::vector<float> f = toFloats(x);
            const std::vector<int64_t> l = toLongs(y);
            for (size_t r = 0; r < l.size(); ++r) {
                const int i = int(f[2 * r]);
                QCOMPARE(f[2 * r + 1], float(2 * i));
                QCOMPARE(l[r], int64_t(classOfWord[i % 3]));
                QVERIFY(seen.insert(i).second);
            }
        }
        QCOMPARE(int(seen.size()), rows);
        // Same seed, same split; another seed, another split.
        const Dataset b = readCsvDataset(config);
        QVERIFY(torch::equal(a.trainX, b.trainX) && torch::equal(a.testY, b.testY));
        if (testRows > 0) {
            config.seed = 43;
            const Dataset c = readCsvDataset(config);
            QVERIFY(!torch::equal(a.testX, c.testX));
        }
    }

    void splitErrors() {
        DatasetConfig config;
        config.kind = "csv";
        config.path = scratchDir("split errors") + "/s.csv";
        writeFile(config.path, rowsText(2, false));
        config.testFraction = 1.0;
        QVERIFY(errorOf([&] { readCsvDataset(config); }).contains("dataset.test_fraction"));
        config.testFraction = 0.9;
        const QString msg = errorOf([&] { readCsvDataset(config); });
        QVERIFY2(msg.contains("2 rows are too few"), qPrintable(msg));
    }

    void separateTestFile() {
        const std::string dir = scratchDir("separate");
        DatasetConfig config;
        config.kind = "csv";
        config.path = dir + "/train.csv";
        config.testPath = dir + "/test.csv";
        config.labelColumn = "animal";
        writeFile(config.path, rowsText(6, true));
        writeFile(config.testPath, "a,b,animal\n10,20,dog\n11,22,ant\n");
        const Dataset ds = readCsvDataset(config);
        QCOMPARE(ds.trainSize(), int64_t(6));
        QCOMPARE(toFloats(ds.trainX.narrow(0, 0, 2)), (std::vector<float>{0, 0, 1, 2}));
        QCOMPARE(toFloats(ds.testX), (std::vector<float>{10, 20, 11, 22}));
        // The training file's mapping: ant 0, cat 1, dog 2.
        QCOMPARE(toLongs(ds.testY), (std::vector<int64_t>{2, 0}));
        QCOMPARE(ds.numClasses(), int64_t(3));
    }

    void separateTestFileErrors_data() {
        QTest::addColumn<QString>("test");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown label") << "a,b,animal\n1,2,cow\n"
                                       << ":2: label 'cow' does not occur in the training file";
        QTest::newRow("other columns") << "a,c,animal\n1,2,cat\n"
                                       << ": its columns (a, c, animal) differ";
        QTest::newRow("column count") << "a,animal\n1,cat\n"
                                      << ": has 2 columns";
        QTest::newRow("ragged") << "a,b,animal\n1,2,cat\n1,2\n"
                                << ":3: expected 3 fields";
    }
    void separateTestFileErrors() {
        QFETCH(QString, test);
        QFETCH(QString, expected);
        const std::string dir = scratchDir(QTest::currentDataTag());
        DatasetConfig config;
        config.kind = "csv";
        config.path = dir + "/train.csv";
        config.testPath = dir + "/test.csv";
        writeFile(config.path, rowsText(6, true));
        writeFile(config.testPath, test.toStdString());
        const QString msg = errorOf([&] { readCsvDataset(config); });
        const QString want = QString::fromStdString(config.testPath) + expected;
        QVERIFY2(msg.contains(want), qPrintable(msg + "\n  lacks: " + want));
    }

    void integerLabelOutOfRange() {
        DatasetConfig config;
        config.kind = "csv";
        config.path = scratchDir("int range") + "/r.csv";
        config.testFraction = 0;
        writeFile(config.path, "x,y\n1,3\n2,123456\n");
        const QString msg = errorOf([&] { readCsvDataset(config); });
        QVERIFY2(
            msg.contains(QString::fromStdString(config.path) + ":3: label 123456 is out of range"),
            qPrintable(msg));
    }
};

QTEST_GUILESS_MAIN(TestCsvReader)
#include "tst_csv_reader.moc"
