"""Scalar functions checked against Microsoft's Kusto reference.

One table of cases, one parametrized test, as in test_semantics.py: KQL text over `print` or a
`datatable`, the expected column names and rows (as `rmmhunt.output.rows` gives them: datetimes as
ISO strings with 7 fractional digits and a Z, timespans as `[d.]hh:mm:ss[.fffffff]`, dynamic values
as JSON values), and the page of https://learn.microsoft.com/en-us/kusto/query/ that documents the
behaviour. Most cases are the pages' own examples with their documented output; the rest pin the
null, empty and invalid inputs the pages describe. Where a page is silent and the case pins a
convention instead (Kusto's .NET formatting, for instance), a comment says so.

A second table holds the queries that must fail at compile time, with the error and its column.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rmmhunt import Workspace
from rmmhunt.compiler import functions
from rmmhunt.kql.errors import KqlError, KqlNotSupported, KqlTypeError
from rmmhunt.output import kql_types, rows

from . import (
    function_cases_fnaggs,
    function_cases_fndates,
    function_cases_fndynamic,
    function_cases_fnmath,
    function_cases_fnstrings,
)
from .kql_cases import DOCS, NOW, Case, doc, normalize


def fn(name: str) -> str:
    """The page of a function: `fn("tolower")` is .../tolower-function."""
    return f"{DOCS}{name.replace('_', '-')}-function"


page = doc


WORLD = "82b8be2d-dfa7-4bd1-8f63-24ad26d31449"
ARR = 'dynamic(["this", "is", "an", "example", "an", "example"])'

CASES: list[Case] = [
    Case(
        "legacy-spellings",
        'print a = extractjson("$.x.y", \'{"x":{"y":"v"}}\'), b = extract_json("$.n", \'{"n":5}\', typeof(long)), '
        'c = replace(@"(\\d+)", @"<\\1>", "ab12cd"), d = extractall(@"(\\d)", "a1b2")',
        ["a", "b", "c", "d"],
        [["v", 5, "ab<12>cd", ["1", "2"]]],
        fn("extract-json"),
    ),
    # ================================================================ strings
    Case(
        "tolower-toupper",
        'print a = tolower("Hello"), b = toupper("hello"), c = tolower("Hello") == "hello"',
        ["a", "b", "c"],
        [["hello", "HELLO", True]],
        fn("tolower"),
    ),
    Case(
        "tolower-toupper-columns",
        'datatable(s:string)["Hello", ""] | extend l = tolower(s), u = toupper(s)',
        ["s", "l", "u"],
        [["Hello", "hello", "HELLO"], ["", "", ""]],
        fn("toupper"),
    ),
    Case(
        "strlen-doc-examples",
        'print a = strlen("hello"), b = strlen("⒦⒰⒮⒯⒪"), c = strlen("C\u0327edilla")',
        ["a", "b", "c"],
        [[5, 5, 8]],  # the Ç is C + U+0327: two code points
        fn("strlen"),
        types=["long", "long", "long"],
    ),
    Case(
        "strlen-column-and-empty",
        'datatable(s:string)["hello", "", "C\u0327edilla"] | extend n = strlen(s)',
        ["s", "n"],
        [["hello", 5], ["", 0], ["C\u0327edilla", 8]],
        fn("strlen"),
    ),
    Case(
        "substring-doc-examples",
        'print a = substring("123456", 1), b = substring("123456", 2, 2), c = substring("ABCD", 0, 2), '
        'd = substring("123456", -2, 2)',
        ["a", "b", "c", "d"],
        [["23456", "34", "AB", "56"]],
        fn("substring"),
    ),
    Case(
        "substring-columns-and-out-of-range",
        'datatable(s:string, i:long)["123456", 1, "123456", -2, "123456", 10, "123456", -10, "", 0]'
        " | extend a = substring(s, i), b = substring(s, i, 2), c = substring(s, 1, -1)",
        ["s", "i", "a", "b", "c"],
        [
            ["123456", 1, "23456", "23", ""],
            ["123456", -2, "56", "56", ""],
            ["123456", 10, "", "", ""],
            ["123456", -10, "", "", ""],
            ["", 0, "", "", ""],
        ],
        fn("substring"),
    ),
    Case(
        "strcat-doc-examples",
        'print str = strcat("hello", " ", "world"), ml = strcat("Line 1\\n", "Line 2\\n", "Line 3")',
        ["str", "ml"],
        [["hello world", "Line 1\nLine 2\nLine 3"]],
        fn("strcat"),
    ),
    # Every argument in its tostring() form; a null contributes "" (tostring-function).
    Case(
        "strcat-any-types",
        "datatable(x:long, t:datetime, ts:timespan, d:dynamic, n:long)"
        '[1, datetime(2017-10-15 12:00), 3h, dynamic({"a":[1,"x"]}), long(null)]'
        ' | project s = strcat("a", x, t, ts, d, n, "z")',
        ["s"],
        [['a12017-10-15T12:00:00.0000000Z03:00:00{"a":[1,"x"]}z']],
        fn("strcat"),
    ),
    Case(
        "strcat-delim-doc-example",
        "print st = strcat_delim('-', 1, '2', 'A', 1s)",
        ["st"],
        [["1-2-A-00:00:01"]],
        fn("strcat_delim"),
    ),
    Case(
        "strcat-delim-columns-keep-empty-slots",
        'datatable(a:string, n:long)["x", long(null), "", 2] | project s = strcat_delim("|", a, n, "end")',
        ["s"],
        [["x||end"], ["|2|end"]],
        fn("strcat_delim"),
    ),
    Case(
        "split-doc-examples",
        'print split("aa_bb", "_"), split("aaa_bbb_ccc", "_", 1), split("", "_"), split("a__b", "_"), '
        'split("aabbcc", "bb")',
        ["print_0", "print_1", "print_2", "print_3", "print_4"],
        [[["aa", "bb"], ["bbb"], [""], ["a", "", "b"], ["aa", "cc"]]],
        fn("split"),
        types=["dynamic"] * 5,
    ),
    Case(
        "split-columns-index-in-and-out-of-range",
        'datatable(s:string)["aa_bb", "", "a__b"] | extend a = split(s, "_"), b = split(s, "_", 1), '
        'c = split(s, "_", 5)',
        ["s", "a", "b", "c"],
        [["aa_bb", ["aa", "bb"], ["bb"], []], ["", [""], [], []], ["a__b", ["a", "", "b"], [""], []]],
        fn("split"),
    ),
    Case(
        "replace-string-doc-example",
        'print Message="A magic trick can turn a cat into a dog"'
        ' | extend Outcome = replace_string(Message, "cat", "hamster")',
        ["Message", "Outcome"],
        [["A magic trick can turn a cat into a dog", "A magic trick can turn a hamster into a dog"]],
        fn("replace_string"),
    ),
    Case(
        "replace-string-column",
        'datatable(str:string)["Number is 1", "Number is 2"] | extend replaced = replace_string(str, "is", "was")',
        ["str", "replaced"],
        [["Number is 1", "Number was 1"], ["Number is 2", "Number was 2"]],
        fn("replace_string"),
    ),
    Case(
        "replace-regex-doc-example",
        'datatable(str:string)["Number is 1", "Number is 2"] | extend replaced = replace_regex(str, @"is (\\d+)",'
        ' @"was: \\1")',
        ["str", "replaced"],
        [["Number is 1", "Number was: 1"], ["Number is 2", "Number was: 2"]],
        fn("replace_regex"),
    ),
    Case(
        "replace-regex-all-matches",
        'print r = replace_regex("a1b22c333", @"\\d+", "#"), w = replace_regex("abab", "b", @"[\\0]")',
        ["r", "w"],
        [["a#b#c#", "a[b]a[b]"]],
        fn("replace_regex"),
    ),
    Case(
        "trim-doc-examples",
        'let string_to_trim = @"--https://bing.com--"; let substring = "--";'
        " print string_to_trim = string_to_trim, trimmed_string = trim(substring, string_to_trim)",
        ["string_to_trim", "trimmed_string"],
        [["--https://bing.com--", "https://bing.com"]],
        fn("trim"),
    ),
    Case(
        "trim-start-end-doc-examples",
        'datatable(str:string)["-  Te st1// $", "    Hello, world!    "]'
        ' | extend t = trim(@"[^\\w]+", str), s = trim_start(@"[^\\w]+", str), e = trim_end(@"[^\\w]+", str),'
        ' ws = trim(@"\\s+", str)',
        ["str", "t", "s", "e", "ws"],
        [
            ["-  Te st1// $", "Te st1", "Te st1// $", "-  Te st1", "-  Te st1// $"],
            ["    Hello, world!    ", "Hello, world", "Hello, world!    ", "    Hello, world", "Hello, world!"],
        ],
        fn("trim"),
    ),
    Case(
        "trim-start-end-substrings",
        'print a = trim_start("https://", "https://bing.com"), b = trim_end(".com", "bing.com")',
        ["a", "b"],
        [["bing.com", "bing"]],
        fn("trim_start"),
    ),
    Case(
        "indexof-doc-examples",
        'print idx1 = indexof("abcdefg","cde"), idx2 = indexof("abcdefg","cde",1,4), '
        'idx3 = indexof("abcdefg","cde",1,2), idx4 = indexof("abcdefg","cde",3,4), '
        'idx5 = indexof("abcdefg","cde",-5), idx6 = indexof(1234567,5,1,4), idx7 = indexof("abcdefg","cde",2,-1), '
        'idx8 = indexof("abcdefgabcdefg", "cde", 1, 10, 2), idx9 = indexof("abcdefgabcdefg", "cde", 1, -1, 3)',
        ["idx1", "idx2", "idx3", "idx4", "idx5", "idx6", "idx7", "idx8", "idx9"],
        [[2, 2, -1, -1, 2, 4, 2, 9, -1]],
        fn("indexof"),
    ),
    Case(
        "indexof-columns-and-null-rules",
        'datatable(s:string)["abcdefgabcdefg"] | project a = indexof(s, "cde"), b = indexof(s, "cde", 1, 10, 2), '
        'c = indexof(s, "x"), d = indexof(s, "cde", 1, -2), e = indexof(s, "cde", 0, -1, -1), f = indexof(s, "CDE")',
        ["a", "b", "c", "d", "e", "f"],
        [[2, 9, -1, None, None, -1]],
        fn("indexof"),
    ),
    Case(
        "countof-doc-examples",
        'print a = countof("aaa", "a"), b = countof("aaaa", "aa"), c = countof("ababa", "ab", "normal"), '
        'd = countof("ababa", "aba"), e = countof("ababa", "aba", "regex"), f = countof("abcabc", "a.c", "regex")',
        ["a", "b", "c", "d", "e", "f"],
        [[3, 3, 2, 2, 1, 2]],
        fn("countof"),
    ),
    Case(
        "countof-columns-overlapping",
        'datatable(s:string, m:string)["aaaa", "aa", "ababa", "aba", "abc", "x"]'
        ' | extend n = countof(s, m), a = countof(s, "a"), r = countof(s, "a.", "regex")',
        ["s", "m", "n", "a", "r"],
        [["aaaa", "aa", 3, 4, 2], ["ababa", "aba", 2, 3, 2], ["abc", "x", 0, 1, 1]],
        fn("countof"),
    ),
    Case(
        "extract-doc-example",
        'datatable(Text:string)["User: James, Email: James@example.com, Age: 29", "User: David, Age: 35"]'
        ' | extend UserName = extract("User: ([^,]+)", 1, Text), EmailId = extract(@"Email: (\\S+),", 1, Text),'
        ' Age = extract(@"\\d+", 0, Text)',
        ["Text", "UserName", "EmailId", "Age"],
        [
            ["User: James, Email: James@example.com, Age: 29", "James", "James@example.com", "29"],
            ["User: David, Age: 35", "David", "", "35"],  # no match: "" (strings are never null)
        ],
        fn("extract"),
    ),
    Case(
        "extract-typeof-doc-example",
        'datatable(DateString:string)["15-12-2024", "21-07-2023", "10-03-2022"]'
        ' | extend Month = extract(@"-(\\d{2})-", 1, DateString, typeof(int)) | project DateString, Month',
        ["DateString", "Month"],
        [["15-12-2024", 12], ["21-07-2023", 7], ["10-03-2022", 3]],
        fn("extract"),
        types=["string", "int"],
    ),
    Case(
        "extract-typeof-no-match-is-null",
        'print a = extract(@"(\\d+)", 1, "none", typeof(long)), b = extract(@"(\\d+)", 1, "x42", typeof(long)),'
        ' c = extract("(?<word>[a-z]+)", 1, "123abc")',
        ["a", "b", "c"],
        [[None, 42, "abc"]],
        fn("extract"),
        types=["long", "long", "string"],
    ),
    Case(
        "extract-all-doc-examples",
        f'print a = extract_all(@"(\\d+)", "a set of numbers: 123, 567 and 789"), '
        f'b = extract_all(@"([\\da-f]{{2}})", "{WORLD}"), c = extract_all(@"(\\w)(\\w+)(\\w)", "{WORLD}")',
        ["a", "b", "c"],
        [
            [
                ["123", "567", "789"],
                ["82", "b8", "be", "2d", "df", "a7", "4b", "d1", "8f", "63", "24", "ad", "26", "d3", "14", "49"],
                [["8", "2b8be2", "d"], ["d", "fa", "7"], ["4", "bd", "1"], ["8", "f6", "3"], ["2", "4ad26d3144", "9"]],
            ]
        ],
        fn("extract_all"),
    ),
    Case(
        "extract-all-capture-group-selection",
        f'print a = extract_all(@"(\\w)(\\w+)(\\w)", dynamic([1,3]), "{WORLD}"), '
        f'b = extract_all(@"(?P<first>\\w)(?P<middle>\\w+)(?P<last>\\w)", dynamic(["first",2,"last"]), "{WORLD}"),'
        ' c = extract_all(@"(\\d+)", "no digits")',
        ["a", "b", "c"],
        [
            [
                [["8", "d"], ["d", "7"], ["4", "1"], ["8", "3"], ["2", "9"]],
                [["8", "2b8be2", "d"], ["d", "fa", "7"], ["4", "bd", "1"], ["8", "f6", "3"], ["2", "4ad26d3144", "9"]],
                None,  # no match: null
            ]
        ],
        fn("extract_all"),
    ),
    Case(
        "extract-all-column",
        'datatable(s:string)["k=1;j=22", "nothing"] | extend v = extract_all(@"=(\\d+)", s)',
        ["s", "v"],
        [["k=1;j=22", ["1", "22"]], ["nothing", None]],
        fn("extract_all"),
    ),
    Case(
        "reverse-doc-examples",
        'print str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" | extend rstr = reverse(str)',
        ["str", "rstr"],
        [["ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ZYXWVUTSRQPONMLKJIHGFEDCBA"]],
        fn("reverse"),
    ),
    Case(
        "reverse-of-other-types",
        "print ['int'] = 12345, ['double'] = 123.45, ['datetime'] = datetime(2017-10-15 12:00), ['timespan'] = 3h"
        " | project rint = reverse(['int']), rdouble = reverse(['double']), rdatetime = reverse(['datetime']),"
        " rtimespan = reverse(['timespan'])",
        ["rint", "rdouble", "rdatetime", "rtimespan"],
        [["54321", "54.321", "Z0000000.00:00:21T51-01-7102", "00:00:30"]],
        fn("reverse"),
    ),
    Case(
        "url-decode-doc-example",
        "let url = @'https%3a%2f%2fwww.bing.com%2f'; print original = url, decoded = url_decode(url)",
        ["original", "decoded"],
        [["https%3a%2f%2fwww.bing.com%2f", "https://www.bing.com/"]],
        fn("url_decode"),
    ),
    Case(
        "base64-decode-tostring-doc-examples",
        'print Quine = base64_decode_tostring("S3VzdG8="), Empty ='
        ' base64_decode_tostring("U3RyaW5n0KHR0tGA0L7Rh9C60LA=")',
        ["Quine", "Empty"],
        [["Kusto", ""]],
        fn("base64_decode_tostring"),
    ),
    Case(
        "base64-decode-invalid-base64",
        'datatable(b:string)["a!!b", "=====", "S3VzdG8="]'
        " | extend text = base64_decode_tostring(b), bytes = base64_decode_toarray(b)",
        ["b", "text", "bytes"],
        [["a!!b", "", None], ["=====", "", None], ["S3VzdG8=", "Kusto", [75, 117, 115, 116, 111]]],
        fn("base64_decode_toarray"),
    ),
    Case(
        "base64-encode-tostring-doc-example-and-alias",
        'print a = base64_encode_tostring("Kusto"), b = base64_encodestring("ö"), c = base64_encode_tostring("")',
        ["a", "b", "c"],
        [["S3VzdG8=", "w7Y=", ""]],
        fn("base64_encode_tostring"),
    ),
    # A random guid per row: three rows, three different 36-character guids.
    Case(
        "new-guid-per-row",
        "range i from 1 to 3 step 1 | extend g = new_guid() | summarize n = dcount(g), l = max(strlen(tostring(g)))",
        ["n", "l"],
        [[3, 36]],
        fn("new_guid"),
    ),
    Case(
        "parse-path-doc-example",
        'datatable(p:string)[@"C:\\temp\\file.txt", @"temp\\file.txt", "file://C:/temp/file.txt:some.exe",'
        ' @"\\\\shared\\users\\temp\\file.txt.gz", "/usr/lib/temp/file.txt"] | extend path_parts = parse_path(p)',
        ["p", "path_parts"],
        [
            [
                "C:\\temp\\file.txt",
                {
                    "Scheme": "",
                    "RootPath": "C:",
                    "DirectoryPath": "C:\\temp",
                    "DirectoryName": "temp",
                    "Filename": "file.txt",
                    "Extension": "txt",
                    "AlternateDataStreamName": "",
                },
            ],
            [
                "temp\\file.txt",
                {
                    "Scheme": "",
                    "RootPath": "",
                    "DirectoryPath": "temp",
                    "DirectoryName": "temp",
                    "Filename": "file.txt",
                    "Extension": "txt",
                    "AlternateDataStreamName": "",
                },
            ],
            [
                "file://C:/temp/file.txt:some.exe",
                {
                    "Scheme": "file",
                    "RootPath": "C:",
                    "DirectoryPath": "C:/temp",
                    "DirectoryName": "temp",
                    "Filename": "file.txt",
                    "Extension": "txt",
                    "AlternateDataStreamName": "some.exe",
                },
            ],
            [
                "\\\\shared\\users\\temp\\file.txt.gz",
                {
                    "Scheme": "",
                    "RootPath": "",
                    "DirectoryPath": "\\\\shared\\users\\temp",
                    "DirectoryName": "temp",
                    "Filename": "file.txt.gz",
                    "Extension": "gz",
                    "AlternateDataStreamName": "",
                },
            ],
            [
                "/usr/lib/temp/file.txt",
                {
                    "Scheme": "",
                    "RootPath": "",
                    "DirectoryPath": "/usr/lib/temp",
                    "DirectoryName": "temp",
                    "Filename": "file.txt",
                    "Extension": "txt",
                    "AlternateDataStreamName": "",
                },
            ],
        ],
        fn("parse_path"),
    ),
    # The page prints Path without its leading slash and the query bag as text; Kusto's answer
    # keeps the slash (the path of the URL) and the bag as a bag.
    Case(
        "parse-url-doc-example",
        'print Result = parse_url("scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment")',
        ["Result"],
        [
            [
                {
                    "Scheme": "scheme",
                    "Host": "host",
                    "Port": "1234",
                    "Path": "/this/is/a/path",
                    "Username": "username",
                    "Password": "password",
                    "Query Parameters": {"k1": "v1", "k2": "v2"},
                    "Fragment": "fragment",
                }
            ]
        ],
        fn("parse_url"),
    ),
    Case(
        "parse-url-parts-and-invalid",
        'datatable(u:string)["https://h.io/p?x=1&y=2&x=3", "not a url"] | extend p = parse_url(u)'
        " | project host = tostring(p.Host), path = tostring(p.Path), q = p['Query Parameters']",
        ["host", "path", "q"],
        [["h.io", "/p", {"x": ["1", "3"], "y": "2"}], ["", "", {}]],
        fn("parse_url"),
    ),
    Case(
        "parse-command-line-doc-example",
        'print Result = parse_command_line("echo \\"hello world!\\"", "windows")',
        ["Result"],
        [[["echo", "hello world!"]]],
        fn("parse_command_line"),
    ),
    # CommandLineToArgvW's rules, which the page names: quotes group, 2n+1 backslashes before a
    # quote escape it, other backslashes are literal.
    Case(
        "parse-command-line-windows-rules",
        'datatable(c:string)[@"""C:\\Program Files\\x.exe"" -a ""b c"" d", @"a\\\\\\""b c"" d\\\\", @"a""b c""d", "",'
        ' "  x  "] | extend p = parse_command_line(c, "windows") | project p',
        ["p"],
        [
            [["C:\\Program Files\\x.exe", "-a", "b c", "d"]],
            [['a\\"b', "c d\\\\"]],
            [["ab cd"]],
            [[]],
            [["x"]],
        ],
        fn("parse_command_line"),
    ),
    # ================================================================ conversions
    Case("tostring-doc-example", "print tostring(123)", ["print_0"], [["123"]], fn("tostring"), types=["string"]),
    # "If value is null, the result is an empty string." Datetimes and timespans print as Kusto
    # prints them (reverse-function shows both spellings); bools and reals as .NET does.
    Case(
        "tostring-every-type",
        "datatable(x:long, r:real, b:bool, t:datetime, ts:timespan, d:dynamic, g:guid)"
        '[1, 1.0, false, datetime(2024-01-02 03:04:05.6), time(1.02:03:04.5), dynamic("x"),'
        " guid(00000000-0000-0000-0000-000000000001),"
        " long(null), real(null), bool(null), datetime(null), time(null), dynamic(null), guid(null),"
        ' 5, 2.5, true, datetime(2024-01-01), -30m, dynamic([1,"a"]), guid(null)]'
        " | project sx = tostring(x), sr = tostring(r), sb = tostring(b), st = tostring(t), sts = tostring(ts),"
        " sd = tostring(d), sg = tostring(g)",
        ["sx", "sr", "sb", "st", "sts", "sd", "sg"],
        [
            [
                "1",
                "1",
                "False",
                "2024-01-02T03:04:05.6000000Z",
                "1.02:03:04.5000000",
                "x",
                "00000000-0000-0000-0000-000000000001",
            ],
            ["", "", "", "", "", "", ""],
            ["5", "2.5", "True", "2024-01-01T00:00:00.0000000Z", "-00:30:00", '[1,"a"]', ""],
        ],
        fn("tostring"),
        ordered=True,
    ),
    Case(
        "toint-doc-examples",
        'print a = toint("123") == 123, b = toint(2.3), c = toint(-2.7)',
        ["a", "b", "c"],
        [[True, 2, -2]],
        fn("toint"),
        types=["bool", "int", "int"],
    ),
    # Integer text only ("1.5" is null; Kusto's string-to-integer rule); a failed conversion is null.
    Case(
        "toint-tolong-toreal-of-strings",
        'datatable(s:string)["123", " 12 ", "-7", "1.5", "abc", "", "9999999999"]'
        " | extend i = toint(s), l = tolong(s), r = toreal(s)",
        ["s", "i", "l", "r"],
        [
            ["123", 123, 123, 123.0],
            [" 12 ", 12, 12, 12.0],
            ["-7", -7, -7, -7.0],
            ["1.5", None, None, 1.5],
            ["abc", None, None, None],
            ["", None, None, None],
            ["9999999999", None, 9999999999, 9999999999.0],
        ],
        fn("tolong"),
    ),
    Case(
        "toint-truncates-real-columns",
        "datatable(r:real)[2.3, -2.7, real(null)] | extend i = toint(r), l = tolong(r)",
        ["r", "i", "l"],
        [[2.3, 2, 2], [-2.7, -2, -2], [None, None, None]],
        fn("toint"),
    ),
    Case(
        "tolong-doc-example-and-ticks",
        'print a = tolong("123") == 123, b = tolong(1d), c = tolong(datetime(1970-01-01)), d = tolong(true)',
        ["a", "b", "c", "d"],
        [[True, 864000000000, 621355968000000000, 1]],  # a datetime or timespan is its ticks (100 ns)
        fn("tolong"),
    ),
    Case(
        "toreal-todouble-doc-example",
        'print a = toreal("123.4") == 123.4, b = todouble("1e3"), c = toreal("x"), d = toreal(5)',
        ["a", "b", "c", "d"],
        [[True, 1000.0, None, 5.0]],
        fn("toreal"),
        types=["bool", "real", "real", "real"],
    ),
    Case(
        "tobool-doc-examples",
        'print a = tobool("true") == true, b = tobool("false") == false, c = tobool(1) == true, d = tobool(123) =='
        " true",
        ["a", "b", "c", "d"],
        [[True, True, True, True]],
        fn("tobool"),
    ),
    Case(
        "tobool-strings-and-numbers",
        'datatable(s:string, n:long)["TRUE", 0, "False", 2, "1", -1, "yes", 0, "1.5", 0]'
        " | extend bs = tobool(s), bn = toboolean(n)",
        ["s", "n", "bs", "bn"],
        [
            ["TRUE", 0, True, False],
            ["False", 2, False, True],
            ["1", -1, True, True],
            ["yes", 0, None, False],
            ["1.5", 0, None, False],
        ],
        fn("tobool"),
    ),
    Case(
        "todatetime-doc-examples",
        "print a = todatetime(\"2015-12-31 23:59:59.9\"), b = todatetime('12-02-2022') == datetime(2022-12-02)",
        ["a", "b"],
        [["2015-12-31T23:59:59.9000000Z", True]],
        fn("todatetime"),
    ),
    Case(
        "todatetime-formats-and-failures",
        'datatable(s:string)["2014-05-25T08:20:03.123456Z", "2022-12-02T13:45:56+02:00", "Sat, 8 Nov 14 15:05:02 GMT",'
        ' "8 Nov 14 15:05", "bad", ""] | extend d = todatetime(s)',
        ["s", "d"],
        [
            ["2014-05-25T08:20:03.123456Z", "2014-05-25T08:20:03.1234560Z"],
            ["2022-12-02T13:45:56+02:00", "2022-12-02T11:45:56.0000000Z"],
            ["Sat, 8 Nov 14 15:05:02 GMT", "2014-11-08T15:05:02.0000000Z"],
            ["8 Nov 14 15:05", "2014-11-08T15:05:00.0000000Z"],
            ["bad", None],
            ["", None],
        ],
        page("scalar-data-types/datetime"),
    ),
    Case(
        "totimespan-doc-example",
        'let value=5; print minsStr=totimespan("0.00:03:00"), days=totimespan(4d), hour=totimespan(value * 1h),'
        " mins=totimespan(value * 2m), seconds=totimespan(5 * 4s), timespanMin=timespan(25min)",
        ["minsStr", "days", "hour", "mins", "seconds", "timespanMin"],
        [["00:03:00", "4.00:00:00", "05:00:00", "00:10:00", "00:00:20", "00:25:00"]],
        fn("totimespan"),
        types=["timespan"] * 6,
    ),
    Case(
        "totimespan-strings",
        'datatable(s:string)["0.00:03:00", "00:03", "1.02:03:04.5", "-01:00:00", "junk", "00:01:00 junk", ""]'
        " | extend t = totimespan(s)",
        ["s", "t"],
        [
            ["0.00:03:00", "00:03:00"],
            ["00:03", "00:03:00"],
            ["1.02:03:04.5", "1.02:03:04.5000000"],
            ["-01:00:00", "-01:00:00"],
            ["junk", None],
            ["00:01:00 junk", None],
            ["", None],
        ],
        fn("totimespan"),
    ),
    Case(
        "parse-json-doc-example",
        "datatable(context_custom_metrics:string)"
        '[\'{"duration":{"value":118.0,"count":5.0,"min":100.0,"max":150.0,"stdDev":0.0,"sampledValue":118.0,"sum":118.0}}\']'
        " | extend d = parse_json(context_custom_metrics)"
        " | project duration_value = d.duration.value, duration_min = d.duration.min",
        ["duration_value", "duration_min"],
        [[118, 100]],
        fn("parse_json"),
    ),
    Case(
        "parse-json-nested-doc-example",
        'let d=\'{"a":123, "b":"{\\\\"c\\\\":456}"}\'; print d_b_c=parse_json(tostring(parse_json(d).b)).c',
        ["d_b_c"],
        [[456]],
        fn("parse_json"),
    ),
    # Not JSON: a dynamic string holding the text; "" is null (isnull-function's table).
    Case(
        "parse-json-column-valid-invalid-empty",
        'datatable(s:string)[\'{"a":1}\', "[1, 2]", "not json", "", "7"]'
        " | extend d = todynamic(s), n = isnull(parse_json(s))",
        ["s", "d", "n"],
        [
            ['{"a":1}', {"a": 1}, False],
            ["[1, 2]", [1, 2], False],
            ["not json", "not json", False],
            ["", None, True],
            ["7", 7, False],
        ],
        fn("parse_json"),
    ),
    Case(
        "conversions-of-dynamic-properties",
        'datatable(d:dynamic)[dynamic({"a":5, "b":"12", "c":2.7, "d":true, "e":"2024-01-01T00:00:00Z", "f":"01:00:00",'
        ' "g":[1,2], "h":null})] | project a = tolong(d.a), b = toint(d.b), c = toint(d.c), dd = tobool(d.d),'
        " e = todatetime(d.e), f = totimespan(d.f), g = tostring(d.g), h = tostring(d.h), r = toreal(d.b)",
        ["a", "b", "c", "dd", "e", "f", "g", "h", "r"],
        [[5, 12, 2, True, "2024-01-01T00:00:00.0000000Z", "01:00:00", "[1,2]", "", 12.0]],
        page("scalar-data-types/dynamic"),
    ),
    # ================================================================ datetime
    Case(
        "now-ago",
        "datatable(t:datetime)[datetime(2024-03-01 11:30), datetime(2024-02-29 12:00)]"
        " | extend recent = t > ago(1h), n = now(), y = now(-1d)",
        ["t", "recent", "n", "y"],
        [
            ["2024-03-01T11:30:00.0000000Z", True, "2024-03-01T12:00:00.0000000Z", "2024-02-29T12:00:00.0000000Z"],
            ["2024-02-29T12:00:00.0000000Z", False, "2024-03-01T12:00:00.0000000Z", "2024-02-29T12:00:00.0000000Z"],
        ],
        fn("ago"),
    ),
    Case(
        "datetime-add-doc-example",
        'print year = datetime_add("year",1,make_datetime(2017,1,1)), quarter ='
        ' datetime_add("quarter",1,make_datetime(2017,1,1)),'
        ' month = datetime_add("month",1,make_datetime(2017,1,1)), week ='
        ' datetime_add("week",1,make_datetime(2017,1,1)),'
        ' day = datetime_add("day",1,make_datetime(2017,1,1)), hour = datetime_add("hour",1,make_datetime(2017,1,1)),'
        ' minute = datetime_add("minute",1,make_datetime(2017,1,1)), second ='
        ' datetime_add("second",1,make_datetime(2017,1,1))',
        ["year", "quarter", "month", "week", "day", "hour", "minute", "second"],
        [
            [
                "2018-01-01T00:00:00.0000000Z",
                "2017-04-01T00:00:00.0000000Z",
                "2017-02-01T00:00:00.0000000Z",
                "2017-01-08T00:00:00.0000000Z",
                "2017-01-02T00:00:00.0000000Z",
                "2017-01-01T01:00:00.0000000Z",
                "2017-01-01T00:01:00.0000000Z",
                "2017-01-01T00:00:01.0000000Z",
            ]
        ],
        fn("datetime_add"),
        types=["datetime"] * 8,
    ),
    Case(
        "datetime-add-negative-doc-example",
        "print year = datetime_add('year',-5,make_datetime(2017,1,1)), quarter ="
        " datetime_add('quarter',12,make_datetime(2017,1,1)),"
        " month = datetime_add('month',-15,make_datetime(2017,1,1)), week ="
        " datetime_add('week',100,make_datetime(2017,1,1))",
        ["year", "quarter", "month", "week"],
        [
            [
                "2012-01-01T00:00:00.0000000Z",
                "2020-01-01T00:00:00.0000000Z",
                "2015-10-01T00:00:00.0000000Z",
                "2018-12-02T00:00:00.0000000Z",
            ]
        ],
        fn("datetime_add"),
    ),
    Case(
        "datetime-add-columns-month-end",
        "datatable(t:datetime, n:long)[datetime(2017-01-31), 1, datetime(2017-01-31 10:00), -2]"
        ' | extend m = datetime_add("Month", n, t), h = datetime_add("hour", n, t)',
        ["t", "n", "m", "h"],
        [
            ["2017-01-31T00:00:00.0000000Z", 1, "2017-02-28T00:00:00.0000000Z", "2017-01-31T01:00:00.0000000Z"],
            ["2017-01-31T10:00:00.0000000Z", -2, "2016-11-30T10:00:00.0000000Z", "2017-01-31T08:00:00.0000000Z"],
        ],
        fn("datetime_add"),
    ),
    Case(
        "datetime-diff-doc-example",
        "print year = datetime_diff('year',datetime(2017-01-01),datetime(2000-12-31)),"
        " quarter = datetime_diff('quarter',datetime(2017-07-01),datetime(2017-03-30)),"
        " month = datetime_diff('month',datetime(2017-01-01),datetime(2015-12-30)),"
        " week = datetime_diff('week',datetime(2017-10-29 00:00),datetime(2017-09-30 23:59)),"
        " day = datetime_diff('day',datetime(2017-10-29 00:00),datetime(2017-09-30 23:59)),"
        " hour = datetime_diff('hour',datetime(2017-10-31 01:00),datetime(2017-10-30 23:59)),"
        " minute = datetime_diff('minute',datetime(2017-10-30 23:05:01),datetime(2017-10-30 23:00:59)),"
        " second = datetime_diff('second',datetime(2017-10-30 23:00:10.100),datetime(2017-10-30 23:00:00.900)),"
        " millisecond = datetime_diff('millisecond',datetime(2017-10-30 23:00:00.200100),datetime(2017-10-30"
        " 23:00:00.100900))",
        ["year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond"],
        [[17, 2, 13, 5, 29, 2, 5, 10, 100]],
        fn("datetime_diff"),
        types=["long"] * 9,
    ),
    Case(
        "datetime-diff-columns-negative",
        "datatable(a:datetime, b:datetime)[datetime(2017-09-30 23:59), datetime(2017-10-29), datetime(2024-01-07),"
        " datetime(2024-01-06)]"
        " | extend w = datetime_diff('week', a, b), d = datetime_diff('day', a, b)",
        ["a", "b", "w", "d"],
        [
            ["2017-09-30T23:59:00.0000000Z", "2017-10-29T00:00:00.0000000Z", -5, -29],
            ["2024-01-07T00:00:00.0000000Z", "2024-01-06T00:00:00.0000000Z", 1, 1],  # Sunday starts a week
        ],
        fn("datetime_diff"),
    ),
    Case(
        "startofday-doc-example",
        "datatable(offset:long)[-1, 0, 1] | project dayStart = startofday(datetime(2017-01-01 10:10:17), offset)",
        ["dayStart"],
        [["2016-12-31T00:00:00.0000000Z"], ["2017-01-01T00:00:00.0000000Z"], ["2017-01-02T00:00:00.0000000Z"]],
        fn("startofday"),
    ),
    Case(
        "startofweek-doc-example",
        "datatable(offset:long)[-1, 0, 1] | project weekStart = startofweek(datetime(2017-01-01 10:10:17), offset)",
        ["weekStart"],
        [["2016-12-25T00:00:00.0000000Z"], ["2017-01-01T00:00:00.0000000Z"], ["2017-01-08T00:00:00.0000000Z"]],
        fn("startofweek"),
    ),
    Case(
        "startofweek-monday-doc-example",
        "datatable(Date:datetime, day:string)[datetime(2025-06-14), 'Saturday', datetime(2025-06-15), 'Sunday',"
        " datetime(2025-06-16), 'Monday', datetime(2025-06-17), 'Tuesday']"
        " | extend MondayWeek = datetime_add('day', 1, startofweek(datetime_add('day', -1, Date)))",
        ["Date", "day", "MondayWeek"],
        [
            ["2025-06-14T00:00:00.0000000Z", "Saturday", "2025-06-09T00:00:00.0000000Z"],
            ["2025-06-15T00:00:00.0000000Z", "Sunday", "2025-06-09T00:00:00.0000000Z"],
            ["2025-06-16T00:00:00.0000000Z", "Monday", "2025-06-16T00:00:00.0000000Z"],
            ["2025-06-17T00:00:00.0000000Z", "Tuesday", "2025-06-16T00:00:00.0000000Z"],
        ],
        fn("startofweek"),
    ),
    # Known difference (README): 23:59:59.9999999 is kept to the microsecond, 23:59:59.999999.
    Case(
        "endofday-doc-example",
        "datatable(offset:long)[-1, 0, 1] | project dayEnd = endofday(datetime(2017-01-01 10:10:17), offset)",
        ["dayEnd"],
        [["2016-12-31T23:59:59.9999990Z"], ["2017-01-01T23:59:59.9999990Z"], ["2017-01-02T23:59:59.9999990Z"]],
        fn("endofday"),
    ),
    Case(
        "dayofweek-doc-examples",
        "let dow = dayofweek(datetime(1970-5-12)); print a = dayofweek(datetime(1947-11-30 10:00:05)),"
        " b = dayofweek(datetime(1970-05-11)), Timespan = dow, Integer = toint(dow / 1d)",
        ["a", "b", "Timespan", "Integer"],
        [["00:00:00", "1.00:00:00", "2.00:00:00", 2]],
        page("day-of-week-function"),
        types=["timespan", "timespan", "timespan", "int"],
    ),
    Case(
        "dayofweek-hourofday-columns",
        "datatable(t:datetime)[datetime(1947-11-30 10:00:05), datetime(2015-12-14 18:54), datetime(null)]"
        " | extend d = dayofweek(t), h = hourofday(t)",
        ["t", "d", "h"],
        [
            ["1947-11-30T10:00:05.0000000Z", "00:00:00", 10],
            ["2015-12-14T18:54:00.0000000Z", "1.00:00:00", 18],
            [None, None, None],
        ],
        page("day-of-week-function"),
    ),
    Case(
        "hourofday-doc-example",
        "print hour = hourofday(datetime(2015-12-14 18:54))",
        ["hour"],
        [[18]],
        page("hour-of-day-function"),
        types=["int"],
    ),
    Case(
        "format-datetime-doc-examples",
        "let dt = datetime(2017-01-29 09:00:05); print v1 = format_datetime(dt,'yy-MM-dd [HH:mm:ss]'),"
        " v2 = format_datetime(dt, 'yyyy-M-dd [H:mm:ss]'), v3 = format_datetime(dt, 'yy-MM-dd [hh:mm:ss tt]')",
        ["v1", "v2", "v3"],
        [["17-01-29 [09:00:05]", "2017-1-29 [9:00:05]", "17-01-29 [09:00:05 AM]"]],
        fn("format_datetime"),
    ),
    Case(
        "format-datetime-element-table",
        "datatable(dt:datetime)[datetime(2009-06-15 13:45:30.617542), datetime(2009-06-01 01:09:09.05), datetime(null)]"
        " | project f = format_datetime(dt, 'f ff fff ffff fffff ffffff'), F = format_datetime(dt, 'F FF FFF'),"
        " o = format_datetime(dt, 'd dd h hh H HH m mm M MM s ss y yy yyyy tt')",
        ["f", "F", "o"],
        [
            ["6 61 617 6175 61754 617542", "6 61 617", "15 15 1 01 13 13 45 45 6 06 30 30 9 09 2009 PM"],
            ["0 05 050 0500 05000 050000", " 05 050", "1 01 1 01 1 01 9 09 6 06 9 09 9 09 2009 AM"],
            ["", "", ""],
        ],
        fn("format_datetime"),
        ordered=True,
    ),
    Case(
        "format-timespan-doc-example",
        "let t = time(29.09:00:05.12345); print v1 = format_timespan(t, 'dd.hh:mm:ss:FF'),"
        " v2 = format_timespan(t, 'ddd.h:mm:ss [fffffff]')",
        ["v1", "v2"],
        [["29.09:00:05:12", "029.9:00:05 [1234500]"]],
        fn("format_timespan"),
    ),
    Case(
        "format-timespan-element-table",
        "datatable(t:timespan)[time(15.13:45:30.617), time(15.01:09:09)]"
        " | project a = format_timespan(t, 'd dd ddd H HH m mm s ss f ff fff'), b = format_timespan(t, 'FFF')",
        ["a", "b"],
        [["15 15 015 13 13 45 45 30 30 6 61 617", "617"], ["15 15 015 1 01 9 09 9 09 0 00 000", ""]],
        fn("format_timespan"),
    ),
    Case(
        "bin-doc-examples",
        "print a = bin(4.5, 1), b = bin(time(16d), 7d), c = bin(datetime(1970-05-11 13:45:07), 1d)",
        ["a", "b", "c"],
        [[4.0, "14.00:00:00", "1970-05-11T00:00:00.0000000Z"]],
        fn("bin"),
        types=["real", "timespan", "datetime"],
    ),
    # "Null values, a null bin size, or a negative bin size will result in null."
    Case(
        "bin-null-and-negative-sizes",
        "print a = bin(5, -1), b = bin(long(null), 5), c = bin(7, 5), d = bin(-7, 5), e = floor(-7, 5), f = bin(4.5,"
        " 0.5)",
        ["a", "b", "c", "d", "e", "f"],
        [[None, None, 5, -10, -10, 4.5]],
        fn("bin"),
    ),
    Case(
        "bin-columns",
        "datatable(x:long, s:long, t:timespan, d:datetime, w:timespan)"
        "[7, 5, 16d, datetime(1970-05-11 13:45:07), 7d, -7, 0, 1h, datetime(2024-01-03), 0s]"
        " | extend a = bin(x, s), c = bin(t, w), dw = bin(d, w), d7 = bin(d, 7d), f = bin(x, 2.5)",
        ["x", "s", "t", "d", "w", "a", "c", "dw", "d7", "f"],
        [
            [
                7,
                5,
                "16.00:00:00",
                "1970-05-11T13:45:07.0000000Z",
                "7.00:00:00",
                5,
                "14.00:00:00",
                "1970-05-11T00:00:00.0000000Z",
                "1970-05-11T00:00:00.0000000Z",
                5.0,
            ],
            [
                -7,
                0,
                "01:00:00",
                "2024-01-03T00:00:00.0000000Z",
                "00:00:00",
                None,
                None,
                None,
                "2024-01-01T00:00:00.0000000Z",
                -7.5,
            ],
        ],
        fn("bin"),
    ),
    Case(
        "make-datetime-doc-examples",
        "print a = make_datetime(2017,10,01), b = make_datetime(2017,10,01,12,10), c ="
        " make_datetime(2017,10,01,12,11,0.1234567)",
        ["a", "b", "c"],
        [["2017-10-01T00:00:00.0000000Z", "2017-10-01T12:10:00.0000000Z", "2017-10-01T12:11:00.1234560Z"]],
        fn("make_datetime"),
        types=["datetime"] * 3,
    ),
    Case(
        "make-datetime-columns-invalid-is-null",
        "datatable(y:long, m:long, s:real)[2017, 10, 0.1234567, 2017, 13, 1.0, 2017, 2, 30.0]"
        " | extend d = make_datetime(y, m, 1, 12, 11, s), e = make_datetime(y, 2, 29)",
        ["y", "m", "s", "d", "e"],
        [
            [2017, 10, 0.1234567, "2017-10-01T12:11:00.1234560Z", None],
            [2017, 13, 1.0, None, None],
            [2017, 2, 30.0, "2017-02-01T12:11:30.0000000Z", None],
        ],
        fn("make_datetime"),
    ),
    Case(
        "unixtime-todatetime-doc-examples",
        "print s = unixtime_seconds_todatetime(1546300800), ms = unixtime_milliseconds_todatetime(1546300800000)",
        ["s", "ms"],
        [["2019-01-01T00:00:00.0000000Z", "2019-01-01T00:00:00.0000000Z"]],
        fn("unixtime_seconds_todatetime"),
    ),
    Case(
        "unixtime-todatetime-columns",
        "datatable(u:real)[1546300800.5, -1.0] | extend s = unixtime_seconds_todatetime(u), ms ="
        " unixtime_milliseconds_todatetime(u)",
        ["u", "s", "ms"],
        [
            [1546300800.5, "2019-01-01T00:00:00.5000000Z", "1970-01-18T21:31:40.8005000Z"],
            [-1.0, "1969-12-31T23:59:59.0000000Z", "1969-12-31T23:59:59.9990000Z"],
        ],
        fn("unixtime_milliseconds_todatetime"),
    ),
    Case(
        "unixtime-micro-nano-todatetime-doc-examples",
        "print us = unixtime_microseconds_todatetime(1546300800000000),"
        " ns = unixtime_nanoseconds_todatetime(1546300800000000000)",
        ["us", "ns"],
        [["2019-01-01T00:00:00.0000000Z", "2019-01-01T00:00:00.0000000Z"]],
        fn("unixtime_nanoseconds_todatetime"),
    ),
    Case(
        "unixtime-micro-nano-todatetime-columns",
        "datatable(u:long)[1546300800123456, -1] | extend us = unixtime_microseconds_todatetime(u),"
        " ns = unixtime_nanoseconds_todatetime(u * 1000)",
        ["u", "us", "ns"],
        [
            [1546300800123456, "2019-01-01T00:00:00.1234560Z", "2019-01-01T00:00:00.1234560Z"],
            [-1, "1969-12-31T23:59:59.9999990Z", "1969-12-31T23:59:59.9999990Z"],
        ],
        fn("unixtime_microseconds_todatetime"),
    ),
    # No workspace table has the IngestionTime policy, so every record's ingestion time is null; unnamed,
    # the column is $IngestionTime (Kusto.Language's ResultNamePrefix for the function).
    Case(
        "ingestion-time-without-the-policy",
        'datatable(a:string)["x"] | extend t = ingestion_time(), ingestion_time()',
        ["a", "t", "$IngestionTime"],
        [["x", None, None]],
        fn("ingestion_time"),
        types=["string", "datetime", "datetime"],
    ),
    # Random: only the documented ranges can be pinned.
    Case(
        "rand-ranges",
        "range i from 1 to 100 step 1 | extend r = rand(), n = rand(3) "
        "| summarize in_unit = countif(r >= 0 and r < 1), whole = countif(n in (0.0, 1.0, 2.0))",
        ["in_unit", "whole"],
        [[100, 100]],
        fn("rand"),
    ),
    # ================================================================ conditional
    Case(
        "iff-iif",
        'datatable(x:long)[1, -1, long(null)] | extend a = iff(x > 0, "pos", "neg"), b = iif(x > 0, x, 0)',
        ["x", "a", "b"],
        [[1, "pos", 1], [-1, "neg", 0], [None, "neg", 0]],  # a null condition takes the else branch
        fn("iff"),
    ),
    Case(
        "iff-int-and-long-branches",
        "print a = iff(1 > 0, int(3), 5), b = iff(true, dynamic([1]), dynamic({}))",
        ["a", "b"],
        [[3, [1]]],
        fn("iff"),
        types=["long", "dynamic"],
    ),
    # The docs are silent on a dynamic branch beside others; Kusto.Language types iff/iif/case as
    # CommonNonDynamic: the result has the other branches' type, and the dynamic branch is converted to it.
    Case(
        "iff-dynamic-and-string-branches",
        'print a = iff(true, dynamic("x"), "y"), b = iff(false, dynamic(1), 2), c = case(true, dynamic([1]), "z")',
        ["a", "b", "c"],
        [["x", 2, "[1]"]],
        fn("iff"),
        types=["string", "long", "string"],
    ),
    Case(
        "case-doc-example",
        'datatable(Size:long)[1, 3, 5, 7, 9, 11, 13, 15] | extend bucket = case(Size <= 3, "Small", Size <= 10,'
        ' "Medium", "Large")',
        ["Size", "bucket"],
        [
            [1, "Small"],
            [3, "Small"],
            [5, "Medium"],
            [7, "Medium"],
            [9, "Medium"],
            [11, "Large"],
            [13, "Large"],
            [15, "Large"],
        ],
        fn("case"),
    ),
    Case(
        "coalesce-doc-example",
        'print result = coalesce(tolong("not a number"), tolong("42"), 33)',
        ["result"],
        [[42]],
        fn("coalesce"),
    ),
    Case(
        "coalesce-strings-skip-empty",
        'datatable(a:string, b:string, x:long, y:long)["", "b", long(null), 3, "a", "", 1, long(null), "", "",'
        " long(null), long(null)]"
        " | project c = coalesce(a, b), d = coalesce(x, y)",
        ["c", "d"],
        [["b", 3], ["a", 1], ["", None]],
        fn("coalesce"),
    ),
    Case(
        "isempty-doc-table",
        'print a = isempty(""), b = isempty("x"), c = isempty(parse_json("")), d = isempty(parse_json("[]")),'
        ' e = isempty(parse_json("{}")), f = isnotempty("x"), g = isnotempty("")',
        ["a", "b", "c", "d", "e", "f", "g"],
        [[True, False, True, False, False, True, False]],
        fn("isempty"),
    ),
    Case(
        "isnull-doc-table",
        'print a = isnull(""), b = isnull("x"), c = isnull(parse_json("")), d = isnull(parse_json("[]")),'
        ' e = isnull(parse_json("{}")), f = isnotnull(long(null)), g = isnull(datetime(null))',
        ["a", "b", "c", "d", "e", "f", "g"],
        [[False, False, True, False, False, False, True]],
        fn("isnull"),
    ),
    Case(
        "isempty-isnull-columns",
        'datatable(s:string, d:dynamic, x:long)["", dynamic(null), long(null), "x", dynamic([]), 1, "y", dynamic(""),'
        " 2]"
        " | extend es = isempty(s), ed = isempty(d), ex = isempty(x), ns = isnull(s), nd = isnull(d), nx = isnull(x),"
        " ned = isnotempty(d), nnd = isnotnull(d)",
        ["s", "d", "x", "es", "ed", "ex", "ns", "nd", "nx", "ned", "nnd"],
        [
            ["", None, None, True, True, True, False, True, True, False, False],
            ["x", [], 1, False, False, False, False, False, False, True, True],
            ["y", "", 2, False, True, False, False, False, False, False, True],
        ],
        fn("isnotempty"),
    ),
    Case(
        "max-of-min-of-doc-examples",
        "print mx = max_of(10, 1, -3, 17), mn = min_of(10, 1, -3, 17)",
        ["mx", "mn"],
        [[17, -3]],
        fn("max_of"),
    ),
    Case(
        "max-of-min-of-nulls-doc-example",
        "datatable (A: int, B: int)[1, 6, 8, 1, int(null), 2, 1, int(null), int(null), int(null)]"
        " | project mx = max_of(A, B), mn = min_of(A, B)",
        ["mx", "mn"],
        [[6, 1], [8, 1], [2, 2], [1, 1], [None, None]],
        fn("min_of"),
        ordered=True,
    ),
    Case(
        "max-of-datetimes-doc-example",
        "datatable (A: datetime, B: datetime)[datetime(2024-12-15 07:15:22), datetime(2024-12-15 07:15:24),"
        " datetime(2024-12-15 08:00:00), datetime(2024-12-15 09:30:00), datetime(2024-12-15 10:45:00),"
        " datetime(2024-12-14 10:45:00)]"
        " | project maxDate = max_of(A, B)",
        ["maxDate"],
        [["2024-12-15T07:15:24.0000000Z"], ["2024-12-15T09:30:00.0000000Z"], ["2024-12-15T10:45:00.0000000Z"]],
        fn("max_of"),
    ),
    # ================================================================ dynamic
    Case(
        "array-length-doc-example",
        'print a = array_length(dynamic([1, 2, 3, "four"])), b = array_length(dynamic({"a":1})), c ='
        " array_length(dynamic(null))",
        ["a", "b", "c"],
        [[4, None, None]],  # "null if array isn't an array"
        fn("array_length"),
        types=["long", "long", "long"],
    ),
    Case(
        "bag-keys-doc-example",
        "datatable(index:long, d:dynamic)[1, dynamic({'a':'b', 'c':123}), 2, dynamic({'a':'b', 'c':{'d':123}}),"
        " 3, dynamic({'a':'b', 'c':[{'d':123}]}), 4, dynamic(null), 5, dynamic({}), 6, dynamic('a'), 7, dynamic([])]"
        " | extend keys = bag_keys(d), n = array_length(d) | project index, keys, n",
        ["index", "keys", "n"],
        [
            [1, ["a", "c"], None],
            [2, ["a", "c"], None],
            [3, ["a", "c"], None],
            [4, None, None],
            [5, [], None],
            [6, None, None],
            [7, None, 0],
        ],
        fn("bag_keys"),
    ),
    Case(
        "bag-pack-doc-example",
        'print bag_pack("Level", "Information", "ProcessID", 1234, "Data", bag_pack("url", "www.bing.com"))',
        ["print_0"],
        [[{"Level": "Information", "ProcessID": 1234, "Data": {"url": "www.bing.com"}}]],
        page("pack-function"),
    ),
    Case(
        "bag-pack-columns-doc-example",
        'datatable(Source:int, Destination:int, Message:string)[1234, 100, "Hi", 4567, 200, "Hello", 1212, 300, "Hey"]'
        ' | extend MyBag = bag_pack("Dest", Destination, "Text", Message) | project-away Source, Destination, Message'
        " | extend MyBag_Dest = MyBag.Dest, MyBag_Text = MyBag.Text",
        ["MyBag", "MyBag_Dest", "MyBag_Text"],
        [
            [{"Dest": 100, "Text": "Hi"}, 100, "Hi"],
            [{"Dest": 200, "Text": "Hello"}, 200, "Hello"],
            [{"Dest": 300, "Text": "Hey"}, 300, "Hey"],
        ],
        page("pack-function"),
    ),
    Case(
        "array-slice-doc-examples",
        "print a = array_slice(dynamic([1,2,3]), 1, 2), b = array_slice(dynamic([1,2,3,4,5]), 2, -1),"
        " c = array_slice(dynamic([1,2,3,4,5]), -3, -2), d = array_slice(dynamic([1,2,3]), 2, 0)",
        ["a", "b", "c", "d"],
        [[[2, 3], [3, 4, 5], [3, 4], []]],
        fn("array_slice"),
    ),
    Case(
        "notempty-notnull-aliases",
        'print a = notempty(""), b = notempty("x"), c = notnull(long(null))',
        ["a", "b", "c"],
        [[False, True, False]],
        fn("isnotempty"),
    ),
    Case(
        "range-function-numbers",
        "print a = range(1, 8, 3), b = range(5, 1, -2), c = range(0, -1, 2), d = range(1.0, 2.0, 0.5), e = range(1, 3)",
        ["a", "b", "c", "d", "e"],
        [[[1, 4, 7], [5, 3, 1], [], [1.0, 1.5, 2.0], [1, 2, 3]]],
        fn("range"),
    ),
    # Kusto caps the array at 1,048,576 elements.
    Case("range-function-limit", "print n = array_length(range(1, 5000000))", ["n"], [[1048576]], fn("range")),
    Case(
        "url-encode-doc-examples",
        "let url = @'https://www.bing.com/hello world'; print a = url_encode(url), b = url_encode_component(url)",
        ["a", "b"],
        [["https%3a%2f%2fwww.bing.com%2fhello+world", "https%3a%2f%2fwww.bing.com%2fhello%20world"]],
        fn("url_encode"),
    ),
    # .NET's UrlEncode keeps !*() and escapes ~ and each UTF-8 byte, in lower-case hex.
    Case(
        "url-encode-utf8-and-marks",
        "datatable(s:string)['é~!*()-_.'] | project e = url_encode(s)",
        ["e"],
        [["%c3%a9%7e!*()-_."]],
        fn("url_encode"),
    ),
    Case(
        "make-string-doc-examples",
        "print a = make_string(dynamic([75, 117, 115, 116, 111])), b = make_string(75, 117, 115, 116, 111)",
        ["a", "b"],
        [["Kusto", "Kusto"]],
        fn("make_string"),
    ),
    Case(
        "base64-decode-toarray-doc-example",
        "print a = base64_decode_toarray('S3VzdG8='), b = make_string(base64_decode_toarray('S3VzdG8='))",
        ["a", "b"],
        [[[75, 117, 115, 116, 111], "Kusto"]],
        fn("base64_decode_toarray"),
    ),
    Case(
        "strcat-array-doc-example",
        'print a = strcat_array(dynamic([1, 2, 3]), "->"), b = strcat_array(split("a.b", "."), "\\\\")',
        ["a", "b"],
        [["1->2->3", "a\\b"]],
        fn("strcat_array"),
    ),
    # pack_all(true) leaves out the empty Target of the second row and the empty Source of the third.
    Case(
        "pack-all-doc-example",
        "datatable(Source:string, Target:string, CharsCount:long)"
        "['555-1234', '555-1212', 46, '555-1313', '', 42, '', '555-3456', 74]"
        " | project Packed = pack_all(), PackedIgnoreNullEmpty = pack_all(true)",
        ["Packed", "PackedIgnoreNullEmpty"],
        [
            [
                {"Source": "555-1234", "Target": "555-1212", "CharsCount": 46},
                {"Source": "555-1234", "Target": "555-1212", "CharsCount": 46},
            ],
            [{"Source": "555-1313", "Target": "", "CharsCount": 42}, {"Source": "555-1313", "CharsCount": 42}],
            [{"Source": "", "Target": "555-3456", "CharsCount": 74}, {"Target": "555-3456", "CharsCount": 74}],
        ],
        fn("pack_all"),
    ),
    Case(
        "bag-pack-columns-function",
        "datatable(Id:string, Value:long, Other:bool)['A', 1, true, 'B', 2, false]"
        " | project Id, Bag = bag_pack_columns(Id, Value)",
        ["Id", "Bag"],
        [["A", {"Id": "A", "Value": 1}], ["B", {"Id": "B", "Value": 2}]],
        fn("bag_pack_columns"),
    ),
    Case(
        "pack-alias-and-datetime-values",
        'datatable(t:datetime, n:long)[datetime(2020-01-01), long(null)] | project p = pack("t", t, "n", n)',
        ["p"],
        [[{"t": "2020-01-01T00:00:00.0000000Z", "n": None}]],
        page("pack-function"),
    ),
    Case(
        "pack-array-doc-examples",
        "datatable(x:long)[1, 2, 3] | extend y = x * 2 | extend z = y * 2 | project pack_array(x, y, z)",
        ["Column1"],
        [[[1, 2, 4]], [[2, 4, 8]], [[3, 6, 12]]],
        fn("pack_array"),
    ),
    Case(
        "pack-array-mixed-types-doc-example",
        "datatable(x:long)[1, 2, 3] | extend y = tostring(x * 2) | extend z = (x * 2) * 1s | project p ="
        " pack_array(x, y, z),"
        " star = pack_array(*)",
        ["p", "star"],
        [[[1, "2", "00:00:02"]] * 2, [[2, "4", "00:00:04"]] * 2, [[3, "6", "00:00:06"]] * 2],
        fn("pack_array"),
    ),
    Case(
        "array-concat-doc-example",
        "datatable(x:long)[1, 2, 3] | extend y = x * 2 | extend z = y * 2 | extend a1 = pack_array(x, y, z), a2 ="
        " pack_array(x, y)"
        " | project array_concat(a1, a2)",
        ["Column1"],
        [[[1, 2, 4, 1, 2]], [[2, 4, 8, 2, 4]], [[3, 6, 12, 3, 6]]],
        fn("array_concat"),
    ),
    # A JSON null element of a column's array stays an element (DuckDB's cast of the list back to JSON wrote
    # NULL, and the query failed).
    Case(
        "array-concat-slice-union-null-element",
        'datatable(d:dynamic)[dynamic([1, null, "a"]), dynamic([])]'
        " | project c = array_concat(d, d), s = array_slice(d, 0, 1), u = set_union(d, d)",
        ["c", "s", "u"],
        [[[1, None, "a", 1, None, "a"], [1, None], [1, None, "a"]], [[], [], []]],
        fn("array_concat"),
    ),
    Case(
        "set-functions-doc-examples",
        "datatable(x:long)[1, 2, 3] | extend y = x * 2 | extend z = y * 2 | extend w = z * 2"
        " | extend a1 = pack_array(x, y, x, z), a2 = pack_array(x, y), a3 = pack_array(w), a4 = pack_array(w, x),"
        " a5 = pack_array(x, y, w) | project u = set_union(a1, a2, a3), i = set_intersect(a1, a2, a4), d ="
        " set_difference(a1, a2, a5)",
        ["u", "i", "d"],
        [[[1, 2, 4, 8], [1], [4]], [[2, 4, 8, 16], [2], [8]], [[3, 6, 12, 24], [3], [12]]],
        fn("set_union"),
    ),
    Case(
        "set-union-one-array-doc-example",
        "datatable(Arr1:dynamic)[dynamic(['A4', 'A2', 'A7', 'A2']), dynamic(['C4', 'C7', 'C1', 'C4'])] | extend Out ="
        " set_union(Arr1, Arr1)",
        ["Arr1", "Out"],
        [[["A4", "A2", "A7", "A2"], ["A4", "A2", "A7"]], [["C4", "C7", "C1", "C4"], ["C4", "C7", "C1"]]],
        fn("set_union"),
    ),
    Case(
        "set-intersect-difference-empty-doc-examples",
        "print i = set_intersect(dynamic([1, 2, 3]), dynamic([4,5])), d = set_difference(dynamic([1,2,3]),"
        " dynamic([1,2,3]))",
        ["i", "d"],
        [[[], []]],
        fn("set_difference"),
    ),
    Case(
        "set-has-element-doc-example",
        'print arr = dynamic(["this", "is", "an", "example"]) | project Result = set_has_element(arr, "example"),'
        ' Missing = set_has_element(arr, "x"), Number = set_has_element(dynamic([1, 2]), 2)',
        ["Result", "Missing", "Number"],
        [[True, False, True]],
        fn("set_has_element"),
    ),
    Case(
        "set-has-element-column",
        'datatable(a:dynamic, v:string)[dynamic(["x", "y"]), "y", dynamic(["x"]), "y", dynamic([1, "1"]), "1"]'
        " | extend h = set_has_element(a, v)",
        ["a", "v", "h"],
        [[["x", "y"], "y", True], [["x"], "y", False], [[1, "1"], "1", True]],
        fn("set_has_element"),
    ),
    Case(
        "array-index-of-doc-example",
        f'let arr = {ARR}; print idx1 = array_index_of(arr,"an"), idx2 = array_index_of(arr,"example",1,3),'
        ' idx3 = array_index_of(arr,"example",1,2), idx4 = array_index_of(arr,"is",2,4), idx5 ='
        ' array_index_of(arr,"example",2,-1),'
        ' idx6 = array_index_of(arr, "an", 1, -1, 2), idx7 = array_index_of(arr, "an", 1, -1, 3),'
        ' idx8 = array_index_of(arr, "an", -3), idx9 = array_index_of(arr, "is", -4)',
        ["idx1", "idx2", "idx3", "idx4", "idx5", "idx6", "idx7", "idx8", "idx9"],
        [[2, 3, -1, -1, 3, 4, -1, 4, -1]],
        fn("array_index_of"),
    ),
    Case(
        "array-index-of-column-and-null-rules",
        f'datatable(arr:dynamic)[{ARR}, dynamic(null)] | project a = array_index_of(arr, "an"),'
        ' b = array_index_of(arr, "an", 1, -1, 2), c = array_index_of(arr, "zz"), d = array_index_of(arr, "an", 0, -2)',
        ["a", "b", "c", "d"],
        [[2, 4, -1, None], [None, None, None, None]],
        fn("array_index_of"),
    ),
    Case(
        "bag-merge-doc-example",
        "print result = bag_merge(dynamic({'A1':12, 'B1':2, 'C1':3}), dynamic({'A2':81, 'B2':82, 'A1':1}))",
        ["result"],
        [[{"A1": 12, "B1": 2, "C1": 3, "A2": 81, "B2": 82}]],
        fn("bag_merge"),
    ),
    Case(
        "bag-merge-columns-leftmost-wins",
        "datatable(a:dynamic, b:dynamic)[dynamic({'A1':12, 'B1':2}), dynamic({'A2':81, 'A1':1}),"
        " dynamic({'x':{'y':1}}), dynamic(null)]"
        " | project m = bag_merge(a, b)",
        ["m"],
        [[{"A1": 12, "B1": 2, "A2": 81}], [{"x": {"y": 1}}]],
        fn("bag_merge"),
    ),
    # Values stay whole, of every JSON type; a key whose value is null is there, and its null wins too.
    Case(
        "bag-merge-keeps-values-whole",
        'datatable(a:dynamic, b:dynamic)[dynamic({"s": "té", "t": true, "r": 1.5, "n": null, "l": [1, "x", null],'
        ' "o": {"p": {"q": [false]}}}), dynamic({"s": "other", "n": 1, "f": false})] | project m = bag_merge(a, b)',
        ["m"],
        [[{"s": "té", "t": True, "r": 1.5, "n": None, "l": [1, "x", None], "o": {"p": {"q": [False]}}, "f": False}]],
        fn("bag_merge"),
    ),
    Case(
        "zip-doc-examples",
        "print a = zip(dynamic([1,3,5]), dynamic([2,4,6])), b = zip(dynamic(['A', 1, 1.5]), dynamic([{}, 'B']))",
        ["a", "b"],
        [[[[1, 2], [3, 4], [5, 6]], [["A", {}], [1, "B"], [1.5, None]]]],
        fn("zip"),
    ),
    Case(
        "zip-make-list-doc-example",
        'datatable(a:int, b:string)[1, "one", 2, "two", 3, "three"] | summarize a = make_list(a), b = make_list(b)'
        " | project z = zip(a, b)",
        ["z"],
        [[[[1, "one"], [2, "two"], [3, "three"]]]],
        fn("zip"),
    ),
    Case(
        "zip-columns",
        "datatable(a:dynamic, b:dynamic)[dynamic([1, 2]), dynamic([3]), dynamic([]), dynamic([])] | project z ="
        " zip(a, b)",
        ["z"],
        [[[[1, 3], [2, None]]], [[]]],
        fn("zip"),
    ),
    # ================================================================ hashing and IP
    Case(
        "hash-sha256-doc-example",
        'print h1 = hash_sha256("World"), h2 = hash_sha256(datetime(2020-01-01))',
        ["h1", "h2"],
        [
            [
                "78ae647dc5544d227130a0682a51e30bc7777fbb6d8a8f17007463a3ecd1d524",
                "ba666752dc1a20eb750b0eb64e780cc4c968bc9fb8813461c1d7e750f302d71d",
            ]
        ],
        fn("hash_sha256"),
    ),
    Case(
        "hash-md5-doc-example",
        'print h1 = hash_md5("World"), h2 = hash_md5(datetime(2020-01-01))',
        ["h1", "h2"],
        [["f5a7924e621e84c9280a9a27e1bcb7f6", "786c530672d1f8db31fee25ea8a9390b"]],
        fn("hash_md5"),
    ),
    Case(
        "hash-sha1-doc-examples",
        'print h1 = hash_sha1("World"), h2 = hash_sha1(datetime(2020-01-01))'
        ' | union (datatable(State:string)["TEXAS", "KANSAS"] | project h1 = hash_sha1(State), h2 = State)',
        ["h1", "h2"],
        [
            ["70c07ec18ef89c5309bbb0937f3a6342411e1fdd", "e903e533f4d636b4fc0dcf3cf81e7b7f330de776"],
            ["3128d805194d4e6141766cc846778eeacb12e3ea", "TEXAS"],
            ["ea926e17098148921e472b1a760cd5a8117e84d6", "KANSAS"],
        ],
        fn("hash_sha1"),
    ),
    Case(
        "hash-columns-doc-example",
        'datatable(State:string)["TEXAS", "KANSAS"] | extend s = hash_sha256(State), m = hash_md5(State)',
        ["State", "s", "m"],
        [
            [
                "TEXAS",
                "9087f20f23f91b5a77e8406846117049029e6798ebbd0d38aea68da73a00ca37",
                "3b00dbe6e07e7485a1c12d36c8e9910a",
            ],
            [
                "KANSAS",
                "c80e328393541a3181b258cdb4da4d00587c5045e8cf3bb6c8fdb7016b69cc2e",
                "e1338d0ac8be43846cf9ae967bd02e7f",
            ],
        ],
        fn("hash_md5"),
    ),
    Case(
        "parse-ipv4-doc-example",
        "datatable(ip_string:string)['192.168.1.1', '192.168.1.1/24', '255.255.255.255/31'] | extend ip_long ="
        " parse_ipv4(ip_string)",
        ["ip_string", "ip_long"],
        [["192.168.1.1", 3232235777], ["192.168.1.1/24", 3232235776], ["255.255.255.255/31", 4294967294]],
        fn("parse_ipv4"),
    ),
    Case(
        "parse-ipv4-invalid-is-null",
        "datatable(s:string)['1.2.3', '256.1.1.1', '1.2.3.4/33', 'x', ''] | extend v = parse_ipv4(s)",
        ["s", "v"],
        [["1.2.3", None], ["256.1.1.1", None], ["1.2.3.4/33", None], ["x", None], ["", None]],
        fn("parse_ipv4"),
    ),
    Case(
        "ipv4-is-private-doc-example",
        "datatable(ip_string:string)['10.1.2.3', '192.168.1.1/24', '127.0.0.1', '202.1.2.3', '172.16.0.1',"
        " '172.32.0.1', 'x']"
        " | extend result = ipv4_is_private(ip_string)",
        ["ip_string", "result"],
        [
            ["10.1.2.3", True],
            ["192.168.1.1/24", True],
            ["127.0.0.1", False],
            ["202.1.2.3", False],
            ["172.16.0.1", True],
            ["172.32.0.1", False],
            ["x", None],  # "null: if parsing of the input as IPv4 address string wasn't successful"
        ],
        fn("ipv4_is_private"),
    ),
    Case(
        "ipv4-is-in-range-doc-example",
        "datatable(ip_address:string, ip_range:string)['192.168.1.1', '192.168.1.1', '192.168.1.1', '192.168.1.255/24',"
        " '10.0.0.1', '192.168.1.255/24', 'x', '10.0.0.0/8'] | extend result = ipv4_is_in_range(ip_address, ip_range)",
        ["ip_address", "ip_range", "result"],
        [
            ["192.168.1.1", "192.168.1.1", True],
            ["192.168.1.1", "192.168.1.255/24", True],
            ["10.0.0.1", "192.168.1.255/24", False],
            ["x", "10.0.0.0/8", None],
        ],
        fn("ipv4_is_in_range"),
    ),
    Case(
        "ipv4-is-match-doc-examples",
        "datatable(ip1_string:string, ip2_string:string)['192.168.1.0', '192.168.1.0', '192.168.1.1/24',"
        " '192.168.1.255',"
        " '192.168.1.1', '192.168.1.255/24', '192.168.1.1/30', '192.168.1.255/24', '10.0.0.1', '10.0.0.2']"
        " | extend result = ipv4_is_match(ip1_string, ip2_string)",
        ["ip1_string", "ip2_string", "result"],
        [
            ["192.168.1.0", "192.168.1.0", True],
            ["192.168.1.1/24", "192.168.1.255", True],
            ["192.168.1.1", "192.168.1.255/24", True],
            ["192.168.1.1/30", "192.168.1.255/24", True],
            ["10.0.0.1", "10.0.0.2", False],
        ],
        fn("ipv4_is_match"),
    ),
    Case(
        "ipv4-is-match-prefix-doc-example",
        "datatable(ip1_string:string, ip2_string:string, prefix:long)['192.168.1.1', '192.168.1.0', 31,"
        " '192.168.1.1/24', '192.168.1.255', 31, '192.168.1.1', '192.168.1.255', 24]"
        " | extend result = ipv4_is_match(ip1_string, ip2_string, prefix)",
        ["ip1_string", "ip2_string", "prefix", "result"],
        [
            ["192.168.1.1", "192.168.1.0", 31, True],
            ["192.168.1.1/24", "192.168.1.255", 31, True],
            ["192.168.1.1", "192.168.1.255", 24, True],
        ],
        fn("ipv4_is_match"),
    ),
    Case(
        "ipv4-compare-doc-examples",
        "datatable(ip1_string:string, ip2_string:string)['192.168.1.0', '192.168.1.0', '192.168.1.1/24',"
        " '192.168.1.255',"
        " '192.168.1.1', '192.168.1.255/24', '192.168.1.1/30', '192.168.1.255/24', '10.0.0.1', '10.0.0.2',"
        " '10.0.0.3', '10.0.0.2',"
        " 'x', '10.0.0.1'] | extend result = ipv4_compare(ip1_string, ip2_string)",
        ["ip1_string", "ip2_string", "result"],
        [
            ["192.168.1.0", "192.168.1.0", 0],
            ["192.168.1.1/24", "192.168.1.255", 0],
            ["192.168.1.1", "192.168.1.255/24", 0],
            ["192.168.1.1/30", "192.168.1.255/24", 0],
            ["10.0.0.1", "10.0.0.2", -1],
            ["10.0.0.3", "10.0.0.2", 1],
            ["x", "10.0.0.1", None],
        ],
        fn("ipv4_compare"),
    ),
    Case(
        "ipv4-compare-prefix-doc-example",
        "datatable(ip1_string:string, ip2_string:string, prefix:long)['192.168.1.1', '192.168.1.0', 31,"
        " '192.168.1.1/24', '192.168.1.255', 31, '192.168.1.1', '192.168.1.255', 24]"
        " | extend result = ipv4_compare(ip1_string, ip2_string, prefix)",
        ["ip1_string", "ip2_string", "prefix", "result"],
        [
            ["192.168.1.1", "192.168.1.0", 31, 0],
            ["192.168.1.1/24", "192.168.1.255", 31, 0],
            ["192.168.1.1", "192.168.1.255", 24, 0],
        ],
        fn("ipv4_compare"),
    ),
    Case(
        "ipv6-compare-doc-examples",
        "datatable(ip1_string:string, ip2_string:string)['192.168.1.1', '192.168.1.1', '192.168.1.1/24',"
        " '192.168.1.255',"
        " '192.168.1.1', '192.168.1.255/24', '192.168.1.1/30', '192.168.1.255/24',"
        " 'fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7994/120',"
        " 'fe80::85d:e82c:9446:7998',"
        " 'fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7998/120', 'fe80::85d:e82c:9446:7994/120',"
        " 'fe80::85d:e82c:9446:7998/120',"
        " '192.168.1.1', '::ffff:c0a8:0101', '192.168.1.1/24', '::ffff:c0a8:01ff', '::ffff:c0a8:0101',"
        " '192.168.1.255/24',"
        " '::192.168.1.1/30', '192.168.1.255/24'] | extend result = ipv6_compare(ip1_string, ip2_string) | project"
        " result",
        ["result"],
        [[0]] * 12,
        fn("ipv6_compare"),
    ),
    Case(
        "ipv6-compare-prefix-doc-examples",
        "datatable(ip1_string:string, ip2_string:string, prefix:long)['192.168.1.1', '192.168.1.0', 31,"
        " '192.168.1.1/24', '192.168.1.255', 31, '192.168.1.1', '192.168.1.255', 24,"
        " 'fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7995', 127, 'fe80::85d:e82c:9446:7994/127',"
        " 'fe80::85d:e82c:9446:7998', 120,"
        " 'fe80::85d:e82c:9446:7994/120', 'fe80::85d:e82c:9446:7998', 127, '192.168.1.1/24', '::ffff:c0a8:01ff', 127,"
        " '::ffff:c0a8:0101', '192.168.1.255', 120, '::192.168.1.1/30', '192.168.1.255/24', 127]"
        " | extend result = ipv6_compare(ip1_string, ip2_string, prefix) | project result",
        ["result"],
        [[0]] * 9,
        fn("ipv6_compare"),
    ),
    Case(
        "ipv6-compare-order-and-invalid",
        "datatable(a:string, b:string)['fe80::1', 'fe80::2', 'fe80::2', 'fe80::1', '::1', '0:0:0:0:0:0:0:1', 'bad',"
        " '::1',"
        " '1:2:3:4:5:6:7:8:9', '::1', '1::2::3', '::1'] | extend r = ipv6_compare(a, b)",
        ["a", "b", "r"],
        [
            ["fe80::1", "fe80::2", -1],
            ["fe80::2", "fe80::1", 1],
            ["::1", "0:0:0:0:0:0:0:1", 0],
            ["bad", "::1", None],
            ["1:2:3:4:5:6:7:8:9", "::1", None],
            ["1::2::3", "::1", None],
        ],
        fn("ipv6_compare"),
    ),
    # ================================================================ math
    Case(
        "round-doc-examples",
        "print a = round(2.98765, 3), b = round(2.15, 1), c = round(2.15), d = round(-50.55, -2), e = round(21.5, -1)",
        ["a", "b", "c", "d", "e"],
        [[2.988, 2.2, 2.0, -100.0, 20.0]],
        fn("round"),
        types=["real"] * 5,
    ),
    Case(
        "round-columns",
        "datatable(r:real, p:long)[2.15, 1, -2.5, 0, 12345.0, -2] | extend x = round(r, p), y = round(r)",
        ["r", "p", "x", "y"],
        [[2.15, 1, 2.2, 2.0], [-2.5, 0, -3.0, -3.0], [12345.0, -2, 12300.0, 12345.0]],
        fn("round"),
    ),
    Case(
        "abs-doc-example",
        "print a = abs(-5), b = abs(-1.5), c = abs(-1h)",
        ["a", "b", "c"],
        [[5, 1.5, "01:00:00"]],
        fn("abs"),
        types=["long", "real", "timespan"],
    ),
    Case(
        "abs-columns",
        "datatable(x:long, r:real, t:timespan)[-5, -1.5, -1h, 7, 2.5, 2h] | extend a = abs(x), b = abs(r), c = abs(t)",
        ["x", "r", "t", "a", "b", "c"],
        [[-5, -1.5, "-01:00:00", 5, 1.5, "01:00:00"], [7, 2.5, "02:00:00", 7, 2.5, "02:00:00"]],
        fn("abs"),
    ),
    Case(
        "log-doc-example-and-negative",
        "datatable(x:real)[5.0, -1.0, real(null)] | extend result = log(x)",
        ["x", "result"],
        [[5.0, 1.6094379124341003], [-1.0, None], [None, None]],  # null if the argument is negative or null
        fn("log"),
    ),
    Case(
        "pow-doc-example",
        "print result = pow(2, 3), r = pow(2.0, -1)",
        ["result", "r"],
        [[8.0, 0.5]],
        fn("pow"),
        types=["real", "real"],
    ),
    Case(
        "sqrt-negative-is-null",
        "datatable(x:long)[16, -1, 2] | extend s = sqrt(x)",
        ["x", "s"],
        [[16, 4.0], [-1, None], [2, 1.4142135623730951]],
        fn("sqrt"),
    ),
    Case(
        "exp-doc-example",
        "datatable(x:real)[2.0, 0.0] | extend result = exp(x)",
        ["x", "result"],
        [[2.0, 7.38905609893065], [0.0, 1.0]],
        fn("exp"),
    ),
    *function_cases_fndates.CASES,
    *function_cases_fnaggs.CASES,
    *function_cases_fnmath.CASES,
    *function_cases_fnstrings.CASES,
    *function_cases_fndynamic.CASES,
]

# ---------------------------------------------------------------- dynamic property and index access
# `d.a`, `d['a']`, `d[0]`, as the functions above read them.
ACCESS_CASES: list[Case] = [
    Case(
        "access-property-index-from-end",
        "print x = dynamic([1,2,3])[-1], y = dynamic({'a b': {'c': [10, 20]}})['a b'].c[1], z = dynamic([1])[5]",
        ["x", "y", "z"],
        [[3, 20, None]],
        page("scalar-data-types/dynamic"),
    ),
    Case(
        "access-columns",
        "datatable(d:dynamic, i:long, k:string)[dynamic({'a':[10,20,30], 'b c':1}), -1, 'b c', dynamic(null), 0, 'a']"
        " | project x = d.a[i], y = d[k], z = d.a[0], w = d.missing.deeper",
        ["x", "y", "z", "w"],
        [[30, 1, 10, None], [None, None, None, None]],
        page("scalar-data-types/dynamic"),
    ),
    # parse_json(s).key reads s's text; text that is not JSON and "" have no properties.
    Case(
        "access-property-of-parsed-text",
        """datatable(s:string)['{"a":1}', 'oops', '', '[5, 6]', 'null']"""
        " | project x = parse_json(s).a, y = parse_json(s)[0], z = todynamic(s)[-1]",
        ["x", "y", "z"],
        [[1, None, None], [None, None, None], [None, None, None], [None, 5, 6], [None, None, None]],
        fn("parse_json"),
    ),
    Case(
        "access-json-null-is-null",
        "datatable(d:dynamic)[dynamic({'h': null, 's': 'x'})] | project a = isnull(d.h), b = isnull(d.s), c ="
        " tostring(d.s)",
        ["a", "b", "c"],
        [[True, False, "x"]],
        fn("isnull"),
    ),
]


@dataclass(frozen=True)
class Bad:
    id: str
    kql: str
    error: type[KqlError]
    column: int
    message: str
    url: str


BAD: list[Bad] = [
    Bad(
        "series-decompose-anomalies",
        "print s = dynamic([1, 2, 3]) | extend a = series_decompose_anomalies(s)",
        KqlNotSupported,
        43,
        "series_decompose_anomalies() (it rests on series_periods_detect",
        fn("series_periods_detect"),
    ),
    Bad(
        "strlen-of-number",
        "print x = strlen(5)",
        KqlTypeError,
        18,
        "argument 1 of strlen() must be string",
        fn("strlen"),
    ),
    Bad(
        "substring-arity",
        'print x = substring("a")',
        KqlTypeError,
        11,
        "substring() takes 2 to 3 arguments",
        fn("substring"),
    ),
    Bad(
        "iff-branch-types",
        'print x = iff(true, 1, "a")',
        KqlTypeError,
        11,
        "iff() branches must all be one type",
        fn("iff"),
    ),
    Bad(
        "case-even-arguments",
        "print x = case(true, 1, false, 2)",
        KqlTypeError,
        11,
        "an odd number of arguments",
        fn("case"),
    ),
    Bad(
        "coalesce-long-and-real", "print x = coalesce(5, 1.5)", KqlTypeError, 11, "must all be one type", fn("coalesce")
    ),
    Bad(
        "extract-group-out-of-range",
        'print x = extract("(a)", 2, "a")',
        KqlTypeError,
        26,
        "the regex has 1 capture groups",
        fn("extract"),
    ),
    Bad(
        "extract-all-needs-a-group",
        'print x = extract_all("a+", "aaa")',
        KqlTypeError,
        23,
        "1 to 16 capture groups",
        fn("extract_all"),
    ),
    Bad(
        "datetime-add-unknown-period",
        "print x = datetime_add('fortnight', 1, now())",
        KqlTypeError,
        24,
        "unknown period 'fortnight'",
        fn("datetime_add"),
    ),
    Bad(
        "format-datetime-unknown-element",
        "print x = format_datetime(now(), 'yyyy-MM-ddTHH')",
        KqlNotSupported,
        34,
        "format_datetime format element 'T'",
        fn("format_datetime"),
    ),
    Bad(
        "countof-unknown-kind",
        'print x = countof("a", "a", "fuzzy")',
        KqlTypeError,
        29,
        "kind must be 'normal' or 'regex'",
        fn("countof"),
    ),
    Bad(
        "parse-command-line-parser",
        'print x = parse_command_line("a b", "unix")',
        KqlTypeError,
        37,
        "the only parser type is 'windows'",
        fn("parse_command_line"),
    ),
    Bad(
        "typeof-outside-a-type-position",
        "print x = typeof(long)",
        KqlTypeError,
        11,
        "typeof(T) is a type literal",
        fn("extract"),
    ),
    Bad("trim-empty-regex", 'print x = trim("", "a")', KqlTypeError, 16, "the regex must not be empty", fn("trim")),
    Bad(
        "bag-pack-odd-arguments", 'print x = bag_pack("a")', KqlTypeError, 11, "key/value pairs", page("pack-function")
    ),
    Bad(
        "range-of-strings",
        'print x = range("a", 2)',
        KqlTypeError,
        17,
        "must be int or long or real or decimal",
        fn("range"),
    ),
    Bad(
        "range-of-datetimes",
        "print x = range(now(), now() + 1d, 1h)",
        KqlNotSupported,
        17,
        "range() of datetimes",
        fn("range"),
    ),
    Bad(
        "pack-all-computed-flag",
        "print x = 1 | extend p = pack_all(x == 1)",
        KqlTypeError,
        35,
        "must be a constant",
        fn("pack_all"),
    ),
    Bad(
        "bag-pack-columns-expression",
        "print x = 1 | extend p = bag_pack_columns(x + 1)",
        KqlTypeError,
        43,
        "must be a column name",
        fn("bag_pack_columns"),
    ),
    Bad(
        "make-datetime-four-arguments",
        "print x = make_datetime(2020, 1, 1, 5)",
        KqlTypeError,
        11,
        "3, 5 or 6 arguments",
        fn("make_datetime"),
    ),
    Bad(
        "datetime-part-unknown-part",
        'print x = datetime_part("fortnight", now())',
        KqlTypeError,
        25,
        "unknown part 'fortnight'",
        fn("datetime_part"),
    ),
    Bad(
        "datetime-part-computed-part",
        'print p = "year" | extend x = datetime_part(p, now())',
        KqlTypeError,
        45,
        "must be a constant",
        fn("datetime_part"),
    ),
    Bad(
        "startofmonth-real-offset",
        "print x = startofmonth(now(), 1.5)",
        KqlTypeError,
        31,
        "argument 2 of startofmonth() must be int or long, not real",
        fn("startofmonth"),
    ),
    Bad(
        "endofyear-of-string",
        'print x = endofyear("2020-01-01")',
        KqlTypeError,
        21,
        "argument 1 of endofyear() must be datetime, not string",
        fn("endofyear"),
    ),
    Bad(
        "bin-at-fixed-point-of-another-type",
        "print x = bin_at(datetime(2020-01-01), 1d, 12h)",
        KqlTypeError,
        44,
        "argument 3 of bin_at() must be datetime, not timespan",
        fn("bin_at"),
    ),
    Bad(
        "make-timespan-real-minute",
        "print x = make_timespan(1, 2.5)",
        KqlTypeError,
        28,
        "argument 2 of make_timespan() must be int or long, not real",
        fn("make_timespan"),
    ),
    Bad(
        "datetime-utc-to-local-numeric-zone",
        "print x = datetime_utc_to_local(now(), 1)",
        KqlTypeError,
        40,
        "argument 2 of datetime_utc_to_local() must be string",
        fn("datetime_utc_to_local"),
    ),
    Bad(
        "take-anyif-condition-not-bool",
        'print x = 1 | summarize take_anyif(x, "yes")',
        KqlTypeError,
        39,
        "the condition of take_anyif() must be bool",
        page("take-anyif-aggregation-function"),
    ),
    Bad(
        "covariance-of-strings",
        'print x = 1.5, s = "a" | summarize covariance(x, s)',
        KqlTypeError,
        50,
        "covariance() cannot aggregate string values",
        page("covariance-aggregation-function"),
    ),
    Bad(
        "covarianceif-condition-not-bool",
        "print x = 1 | summarize covarianceif(x, x, x)",
        KqlTypeError,
        44,
        "the condition of covarianceif() must be bool",
        page("covarianceif-aggregation-function"),
    ),
    Bad(
        "count-distinct-arity",
        "print x = 1 | summarize count_distinct(x, 1)",
        KqlTypeError,
        25,
        "count_distinct() takes 1 arguments, not 2",
        page("count-distinct-aggregation-function"),
    ),
    Bad(
        "percentilew-computed-percentile",
        "print x = 1, w = 2 | summarize percentilew(x, w, w)",
        KqlTypeError,
        32,
        "the percentile must be a constant",
        page("percentilesw-aggregation-function"),
    ),
    Bad(
        "percentilew-real-weight",
        "print x = 1 | summarize percentilew(x, 1.5, 50)",
        KqlTypeError,
        25,
        "the weight must be int or long",
        page("percentilesw-aggregation-function"),
    ),
    Bad(
        "percentilesw-of-strings",
        'print x = "a" | summarize percentilesw(x, 1, 50, 90)',
        KqlTypeError,
        27,
        "cannot take percentiles of string values",
        page("percentilesw-aggregation-function"),
    ),
    Bad(
        "binary-all-or-of-real",
        "print r = 1.5 | summarize binary_all_or(r)",
        KqlTypeError,
        41,
        "binary_all_or() cannot aggregate real values",
        page("binary-all-or-aggregation-function"),
    ),
    Bad(
        "row-cumsum-of-string",
        'print s = "a" | serialize c = row_cumsum(s)',
        KqlTypeError,
        42,
        "row_cumsum() sums int, long or real",
        fn("row_cumsum"),
    ),
    Bad(
        "row-rank-dense-restart-not-bool",
        "print x = 1 | serialize r = row_rank_dense(x, 1)",
        KqlTypeError,
        47,
        "restart argument of row_rank_dense() must be bool",
        fn("row_rank_dense"),
    ),
    Bad(
        "row-rank-min-arity",
        "print x = 1 | serialize r = row_rank_min()",
        KqlTypeError,
        29,
        "row_rank_min() takes 1 or 2 arguments",
        fn("row_rank_min"),
    ),
    Bad(
        "row-number-restart-not-bool",
        "print x = 1 | serialize r = row_number(1, x)",
        KqlTypeError,
        43,
        "the restart argument of row_number() must be bool",
        fn("row_number"),
    ),
    Bad(
        "binary-and-of-real",
        "print x = binary_and(1.5, 2)",
        KqlTypeError,
        22,
        "argument 1 of binary_and() must be int or long, not real",
        fn("binary_and"),
    ),
    Bad(
        "binary-shift-left-real-count",
        "print x = binary_shift_left(1, 2.0)",
        KqlTypeError,
        32,
        "argument 2 of binary_shift_left() must be int or long, not real",
        fn("binary_shift_left"),
    ),
    Bad(
        "bitset-count-ones-of-bool",
        "print x = bitset_count_ones(true)",
        KqlTypeError,
        29,
        "argument 1 of bitset_count_ones() must be int or long, not bool",
        fn("bitset_count_ones"),
    ),
    Bad(
        "sin-of-string",
        'print x = sin("a")',
        KqlTypeError,
        15,
        "argument 1 of sin() must be int or long or real or decimal, not string",
        fn("sin"),
    ),
    Bad(
        "ceiling-of-datetime",
        "print x = ceiling(now())",
        KqlTypeError,
        19,
        "argument 1 of ceiling() must be int or long or real or decimal, not datetime",
        fn("ceiling"),
    ),
    Bad(
        "isnan-of-string",
        'print x = isnan("x")',
        KqlTypeError,
        17,
        "argument 1 of isnan() must be int or long or real or decimal, not string",
        fn("isnan"),
    ),
    Bad(
        "pi-takes-no-argument",
        "print x = pi(1)",
        KqlTypeError,
        11,
        "pi() takes 0 arguments, not 1",
        fn("pi"),
    ),
    Bad(
        "atan2-arity",
        "print x = atan2(1)",
        KqlTypeError,
        11,
        "atan2() takes 2 arguments, not 1",
        fn("atan2"),
    ),
    Bad(
        "strcmp-of-number",
        'print x = strcmp("a", 1)',
        KqlTypeError,
        23,
        "argument 2 of strcmp() must be string",
        fn("strcmp"),
    ),
    Bad(
        "strrep-multiplier-of-string",
        'print x = strrep("a", "2")',
        KqlTypeError,
        23,
        "argument 2 of strrep() must be int",
        fn("strrep"),
    ),
    Bad(
        "repeat-of-dynamic",
        "print x = repeat(dynamic([1]), 2)",
        KqlTypeError,
        18,
        "repeat(): argument 1 must be a scalar",
        fn("repeat"),
    ),
    Bad(
        "tohex-of-real",
        "print x = tohex(1.5)",
        KqlTypeError,
        17,
        "argument 1 of tohex() must be int or long, not real",
        fn("tohex"),
    ),
    Bad(
        "format-bytes-unknown-unit",
        'print x = format_bytes(1, 0, "KiB")',
        KqlTypeError,
        30,
        "format_bytes(): units must be one of Bytes, KB",
        fn("format_bytes"),
    ),
    Bad(
        "replace-strings-lookups-not-constant",
        "datatable(s:string, d:dynamic)[] | extend r = replace_strings(s, d, dynamic(['x']))",
        KqlTypeError,
        66,
        "replace_strings(): argument 2 (lookups) must be a constant",
        fn("replace_strings"),
    ),
    Bad(
        "base64-encode-fromguid-of-string",
        'print Empty = base64_encode_fromguid("abcd1231")',
        KqlTypeError,
        38,
        "base64_encode_fromguid(): argument 1 must be guid, not string",
        fn("base64_encode_fromguid"),
    ),
    Bad(
        "array-reverse-not-dynamic",
        "print x = array_reverse(1)",
        KqlTypeError,
        25,
        "argument 1 of array_reverse() must be dynamic, not long",
        fn("array_reverse"),
    ),
    Bad(
        "array-sort-second-not-dynamic",
        "print x = array_sort_desc(dynamic([1]), 1)",
        KqlTypeError,
        41,
        "argument 2 of array_sort_desc() must be dynamic, not long",
        fn("array_sort_desc"),
    ),
    Bad(
        "array-sort-several-arrays",
        "print x = array_sort_asc(dynamic([1]), dynamic([2]))",
        KqlNotSupported,
        11,
        "array_sort_asc() of several arrays",
        fn("array_sort_asc"),
    ),
]


# ---------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return Workspace(None)


def _check(ws: Workspace, case: Case) -> None:
    table = ws.query(case.kql, now=NOW)
    assert table.column_names == case.columns, case.url
    if case.types is not None:
        assert kql_types(table) == case.types, case.url
    assert normalize(rows(table), case) == normalize(case.rows, case), case.url


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_function(ws: Workspace, case: Case) -> None:
    _check(ws, case)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in ACCESS_CASES])
def test_dynamic_access(ws: Workspace, case: Case) -> None:
    _check(ws, case)


@pytest.mark.parametrize("bad", [pytest.param(b, id=b.id) for b in BAD])
def test_bad_call(ws: Workspace, bad: Bad) -> None:
    with pytest.raises(bad.error) as caught:
        ws.compile(bad.kql, now=NOW)
    assert bad.message in caught.value.message, bad.url
    assert caught.value.position == (1, bad.column), bad.url


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in [*CASES, *ACCESS_CASES]] + [b.id for b in BAD]
    assert len(ids) == len(set(ids))


def test_every_case_cites_microsoft_learn() -> None:
    urls = [c.url for c in [*CASES, *ACCESS_CASES]] + [b.url for b in BAD]
    assert all(u.startswith(DOCS) for u in urls)


ISSUE_FUNCTIONS = [
    "tolower",
    "toupper",
    "strlen",
    "substring",
    "strcat",
    "strcat_delim",
    "split",
    "replace_string",
    "replace_regex",
    "trim",
    "trim_start",
    "trim_end",
    "indexof",
    "countof",
    "extract",
    "extract_all",
    "reverse",
    "url_decode",
    "base64_decode_tostring",
    "parse_path",
    "parse_url",
    "parse_command_line",
    "tostring",
    "toint",
    "tolong",
    "toreal",
    "todouble",
    "tobool",
    "todatetime",
    "totimespan",
    "todynamic",
    "parse_json",
    "typeof",
    "now",
    "ago",
    "datetime_add",
    "datetime_diff",
    "startofday",
    "startofweek",
    "endofday",
    "dayofweek",
    "hourofday",
    "format_datetime",
    "format_timespan",
    "bin",
    "floor",
    "make_datetime",
    "unixtime_seconds_todatetime",
    "unixtime_milliseconds_todatetime",
    "unixtime_microseconds_todatetime",
    "unixtime_nanoseconds_todatetime",
    "iff",
    "iif",
    "case",
    "coalesce",
    "isempty",
    "isnotempty",
    "isnull",
    "isnotnull",
    "max_of",
    "min_of",
    "array_length",
    "bag_keys",
    "pack",
    "bag_pack",
    "pack_array",
    "array_concat",
    "set_union",
    "set_intersect",
    "set_difference",
    "set_has_element",
    "array_index_of",
    "bag_merge",
    "zip",
    "hash_sha256",
    "hash_md5",
    "ipv4_is_private",
    "ipv4_is_in_range",
    "ipv4_is_match",
    "parse_ipv4",
    "ipv4_compare",
    "ipv6_compare",
    "ingestion_time",
    "rand",
    "round",
    "abs",
    "log",
    "pow",
    "sqrt",
    "exp",
]


def test_every_listed_function_is_registered() -> None:
    """The scalar functions issue 3 lists are all in the registry."""
    missing = [name for name in ISSUE_FUNCTIONS if name not in functions.FUNCTIONS]
    assert missing == []


def test_every_listed_function_has_a_case() -> None:
    """Each function the issue lists appears in at least one case (typeof through extract)."""
    texts = " ".join(c.kql for c in [*CASES, *ACCESS_CASES])
    untested = [name for name in ISSUE_FUNCTIONS if f"{name}(" not in texts]
    assert untested == []
