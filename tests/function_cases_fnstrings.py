"""String functions (strcmp, strrep, repeat, ...), checked against Microsoft's Kusto reference.

Each function: its page's example with the documented output, then nulls, empty and invalid inputs and
non-ASCII text, over a datatable column so the engine computes them (constants may be folded at compile
time). Where a page is silent, a comment on the case says which behaviour it pins.
"""

from __future__ import annotations

from .kql_cases import Case, doc


def fn(name: str) -> str:
    return doc(f"{name.replace('_', '-')}-function")


CASES: list[Case] = [
    # ================================================================ strcmp
    Case(
        "strcmp-doc-example",
        'datatable(string1:string, string2:string)["ABC","ABC", "abc","ABC", "ABC","abc", "abcde","abc"]'
        " | extend result = strcmp(string1, string2)",
        ["string1", "string2", "result"],
        [["ABC", "ABC", 0], ["abc", "ABC", 1], ["ABC", "abc", -1], ["abcde", "abc", 1]],
        fn("strcmp"),
        types=["string", "string", "int"],
    ),
    Case(
        # ordinal order: é (U+00E9) is after z; "" is before any text
        "strcmp-empty-and-non-ascii",
        'datatable(a:string, b:string)["é","z", "","a", "","", "a",""] | extend r = strcmp(a, b)',
        ["a", "b", "r"],
        [["é", "z", 1], ["", "a", -1], ["", "", 0], ["a", "", 1]],
        fn("strcmp"),
    ),
    Case(
        "strcmp-constants",
        'print a = strcmp("a", "b"), b = strcmp("b", "a"), c = strcmp("", "")',
        ["a", "b", "c"],
        [[-1, 1, 0]],
        fn("strcmp"),
        types=["int", "int", "int"],
    ),
    # ================================================================ strrep
    Case(
        "strrep-doc-example",
        "print from_str = strrep('ABC', 2), from_int = strrep(123,3,'.'), from_time = strrep(3s,2,' ')",
        ["from_str", "from_int", "from_time"],
        [["ABCABC", "123.123.123", "00:00:03 00:00:03"]],
        fn("strrep"),
    ),
    Case(
        # the page requires a multiplier of 1 or more; below that (and null) pins "", above 1024 it caps at 1024
        "strrep-columns",
        'datatable(s:string, k:long)["ab", 3, "é", 2, "x", 0, "x", -2, "x", long(null), "", 4]'
        ' | extend r = strrep(s, k, "-"), t = strrep(s, k)',
        ["s", "k", "r", "t"],
        [
            ["ab", 3, "ab-ab-ab", "ababab"],
            ["é", 2, "é-é", "éé"],
            ["x", 0, "", ""],
            ["x", -2, "", ""],
            ["x", None, "", ""],
            ["", 4, "---", ""],
        ],
        fn("strrep"),
    ),
    Case(
        "strrep-caps-at-1024",
        'datatable(k:long)[5000] | extend n = strlen(strrep("a", k)), c = strlen(strrep("a", 5000))',
        ["k", "n", "c"],
        [[5000, 1024, 1024]],
        fn("strrep"),
    ),
    # ================================================================ repeat
    Case(
        "repeat-doc-example",
        "print r = repeat(1, 3), e = repeat('x', 0), m = repeat(true, -1)",
        ["r", "e", "m"],
        [[[1, 1, 1], [], None]],
        fn("repeat"),
    ),
    Case(
        # datetimes and timespans become Kusto's strings inside a dynamic, as in pack_array; a null count pins null
        "repeat-columns",
        'datatable(s:string, k:int, t:timespan, d:datetime)["é", 2, 1h, datetime(2024-01-02),'
        ' "", 0, 1s, datetime(null), "x", -1, 1s, datetime(null), "y", int(null), 1s, datetime(null)]'
        " | extend a = repeat(s, k), b = repeat(t, k), c = repeat(d, k), e = repeat(k * 1.5, k)",
        ["s", "k", "t", "d", "a", "b", "c", "e"],
        [
            [
                "é",
                2,
                "01:00:00",
                "2024-01-02T00:00:00.0000000Z",
                ["é", "é"],
                ["01:00:00", "01:00:00"],
                ["2024-01-02T00:00:00.0000000Z", "2024-01-02T00:00:00.0000000Z"],
                [3.0, 3.0],
            ],
            ["", 0, "00:00:01", None, [], [], [], []],
            ["x", -1, "00:00:01", None, None, None, None, None],
            ["y", None, "00:00:01", None, None, None, None, None],
        ],
        fn("repeat"),
    ),
    # ================================================================ translate
    Case(
        "translate-doc-examples",
        'print a = translate("abc", "x", "abc"), b = translate("abc", "", "ab"),'
        ' c = translate("krasp", "otsku", "spark")',
        ["a", "b", "c"],
        [["xxx", "", "kusto"]],
        fn("translate"),
    ),
    Case(
        "translate-columns",
        'datatable(s:string, f:string, t:string)["abc","abc","x", "spark","krasp","otsku", "a.b","","z",'
        ' "h\u00e9llo w\u00f6rld","\u00e9\u00f6","eo", "","a","b", "abc","ab","xyz"]'
        ' | extend r = translate(f, t, s), c = translate("lo", "L", s)',
        ["s", "f", "t", "r", "c"],
        [
            ["abc", "abc", "x", "xxx", "abc"],
            ["spark", "krasp", "otsku", "kusto", "spark"],
            ["a.b", "", "z", "a.b", "a.b"],
            ["h\u00e9llo w\u00f6rld", "\u00e9\u00f6", "eo", "hello world", "h\u00e9LLL w\u00f6rLd"],
            ["", "a", "b", "", ""],
            ["abc", "ab", "xyz", "xyc", "abc"],
        ],
        fn("translate"),
    ),
    # ================================================================ regex_quote
    Case(
        "regex-quote-doc-example",
        "print result = regex_quote('(so$me.Te^xt)')",
        ["result"],
        [["\\(so\\$me\\.Te\\^xt\\)"]],
        fn("regex_quote"),
    ),
    Case(
        # the page is silent on which characters: this pins RE2's QuoteMeta (every ASCII character but a letter,
        # digit or _; other characters as they are), Kusto's regexes being RE2
        "regex-quote-columns",
        'datatable(s:string)["a b-c_1", "[x]{2}|y*+?", "caf\u00e9 \\\\ /#", ""]'
        " | extend q = regex_quote(s), m = s matches regex regex_quote(s)",
        ["s", "q", "m"],
        [
            ["a b-c_1", "a\\ b\\-c_1", True],
            ["[x]{2}|y*+?", "\\[x\\]\\{2\\}\\|y\\*\\+\\?", True],
            ["caf\u00e9 \\ /#", "caf\u00e9\\ \\\\\\ \\/\\#", True],
            ["", "", True],
        ],
        fn("regex_quote"),
    ),
    # ================================================================ indexof_regex
    Case(
        "indexof-regex-doc-examples",
        'print idx1 = indexof_regex("abcabc", @"a.c"), idx2 = indexof_regex("abcabcdefg", @"a.c", 0, 9, 2),'
        ' idx3 = indexof_regex("abcabc", @"a.c", 1, -1, 2), idx4 = indexof_regex("ababaa", @"a.a", 0, -1, 2),'
        ' idx5 = indexof_regex("abcabc", @"a|ab", -1)',
        ["idx1", "idx2", "idx3", "idx4", "idx5"],
        [[0, 3, -1, -1, None]],
        fn("indexof_regex"),
        types=["long", "long", "long", "long", "long"],
    ),
    Case(
        # occurrence 0 pins -1 (as indexof); a start past the end pins -1
        "indexof-regex-columns",
        "datatable(s:string, r:string, st:long, len:long, occ:long)["
        ' "abcabc","a.c",0,-1,1, "abcabcdefg","a.c",0,9,2, "ababaa","a.a",0,-1,2, "abcabc","a|ab",-1,-1,1,'
        ' "h\u00e9llo w\u00f6rld","[lo]",1,-1,3, "h\u00e9llo w\u00f6rld","[lo]",1,3,1, "h\u00e9llo","\u00e9l+",0,-1,1,'
        ' "abc","b",0,-2,1, "abc","b",0,-1,-1, "abc","b",0,-1,0, "abc","b",9,-1,1, "","x",0,-1,1]'
        " | extend i = indexof_regex(s, r, st, len, occ), j = indexof_regex(s, r)",
        ["s", "r", "st", "len", "occ", "i", "j"],
        [
            ["abcabc", "a.c", 0, -1, 1, 0, 0],
            ["abcabcdefg", "a.c", 0, 9, 2, 3, 0],
            ["ababaa", "a.a", 0, -1, 2, -1, 0],
            ["abcabc", "a|ab", -1, -1, 1, None, 0],
            ["h\u00e9llo w\u00f6rld", "[lo]", 1, -1, 3, 4, 2],
            ["h\u00e9llo w\u00f6rld", "[lo]", 1, 3, 1, 2, 2],
            ["h\u00e9llo", "\u00e9l+", 0, -1, 1, 1, 1],
            ["abc", "b", 0, -2, 1, None, 1],
            ["abc", "b", 0, -1, -1, None, 1],
            ["abc", "b", 0, -1, 0, -1, 1],
            ["abc", "b", 9, -1, 1, -1, 1],
            ["", "x", 0, -1, 1, -1, -1],
        ],
        fn("indexof_regex"),
    ),
    # ================================================================ tohex
    Case(
        "tohex-doc-example",
        "print tohex(256) == '100', tohex(-256) == 'ffffffffffffff00', tohex(toint(-256), 8) == 'ffffff00',"
        " tohex(256, 8) == '00000100', tohex(256, 2) == '100'",
        ["print_0", "print_1", "print_2", "print_3", "print_4"],
        [[True, True, True, True, True]],
        fn("tohex"),
    ),
    Case(
        # a null value gives "" (Kusto's null string); a width above 16 is 16, a negative int keeps its 8 digits
        "tohex-columns",
        "datatable(i:int, l:long, w:int)[256, 256, 8, -256, -256, 2, 0, 0, 0, 255, 255, 40, int(null), long(null), 4,"
        " 2147483647, 9223372036854775807, int(null)]"
        " | extend a = tohex(i), b = tohex(l), c = tohex(i, w), d = tohex(l, w)",
        ["i", "l", "w", "a", "b", "c", "d"],
        [
            [256, 256, 8, "100", "100", "00000100", "00000100"],
            [-256, -256, 2, "ffffff00", "ffffffffffffff00", "ffffff00", "ffffffffffffff00"],
            [0, 0, 0, "0", "0", "0", "0"],
            [255, 255, 40, "ff", "ff", "00000000000000ff", "00000000000000ff"],
            [None, None, 4, "", "", "", ""],
            [2147483647, 9223372036854775807, None, "7fffffff", "7fffffffffffffff", "7fffffff", "7fffffffffffffff"],
        ],
        fn("tohex"),
    ),
    # ================================================================ toguid
    Case(
        "toguid-doc-example",
        'datatable(str: string)["0123456789abcdef0123456789abcdef", "0123456789ab-cdef-0123-456789abcdef",'
        ' "a string that is not a guid"] | extend guid = toguid(str)',
        ["str", "guid"],
        [
            ["0123456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcdef"],
            ["0123456789ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcdef"],
            ["a string that is not a guid", None],
        ],
        fn("toguid"),
        types=["string", "guid"],
    ),
    Case(
        # upper-case digits read as hex (pinned: the page names 0-9 and a-f); text after the 32 digits is ignored
        "toguid-columns",
        'datatable(str: string)["01234567-89AB-CDEF-0123-456789ABCDEF", "0123456789abcdef0123456789abcdefXYZ",'
        ' "0123456789abcdef0123456789abcde", "", "0123456789abcdef0123456789abcdeg",'
        ' "é123456789abcdef0123456789abcdef"]'
        " | extend guid = toguid(str), same = toguid(toguid(str))",
        ["str", "guid", "same"],
        [
            [
                "01234567-89AB-CDEF-0123-456789ABCDEF",
                "01234567-89ab-cdef-0123-456789abcdef",
                "01234567-89ab-cdef-0123-456789abcdef",
            ],
            [
                "0123456789abcdef0123456789abcdefXYZ",
                "01234567-89ab-cdef-0123-456789abcdef",
                "01234567-89ab-cdef-0123-456789abcdef",
            ],
            ["0123456789abcdef0123456789abcde", None, None],
            ["", None, None],
            ["0123456789abcdef0123456789abcdeg", None, None],
            ["é123456789abcdef0123456789abcdef", None, None],
        ],
        fn("toguid"),
    ),
    # ================================================================ isutf8, string_size
    Case(
        # both engines hold only valid UTF-8 text, so every string is
        "isutf8-doc-example-and-columns",
        'print result = isutf8("some string") | extend e = isutf8(""), n = isutf8("⒦⒰⒮")',
        ["result", "e", "n"],
        [[True, True, True]],
        fn("isutf8"),
    ),
    Case(
        "string-size-doc-examples",
        'print a = string_size("hello"), b = string_size("⒦⒰⒮⒯⒪")',
        ["a", "b"],
        [[5, 15]],
        fn("string_size"),
        types=["long", "long"],
    ),
    Case(
        "string-size-columns",
        'datatable(s:string)["hello", "⒦⒰⒮⒯⒪", "", "C\u0327edilla", "\U0001f600"]'
        " | extend b = string_size(s), c = strlen(s)",
        ["s", "b", "c"],
        [["hello", 5, 5], ["⒦⒰⒮⒯⒪", 15, 5], ["", 0, 0], ["C\u0327edilla", 9, 8], ["\U0001f600", 4, 1]],
        fn("string_size"),
    ),
    # ================================================================ unicode_codepoints_*
    Case(
        "unicode-codepoints-from-string-doc-examples",
        'print arr = unicode_codepoints_from_string("⒦⒰⒮⒯⒪"), b = unicode_codepoints_from_string("קוסטו - Kusto"),'
        ' str = unicode_codepoints_to_string(unicode_codepoints_from_string("Kusto"))',
        ["arr", "b", "str"],
        [
            [
                [9382, 9392, 9390, 9391, 9386],
                [1511, 1493, 1505, 1496, 1493, 32, 45, 32, 75, 117, 115, 116, 111],
                "Kusto",
            ]
        ],
        fn("unicode_codepoints_from_string"),
    ),
    Case(
        "unicode-codepoints-from-string-columns",
        'datatable(s:string)["Kusto", "", "é😀", "a\\nb"] | extend p = unicode_codepoints_from_string(s)',
        ["s", "p"],
        [["Kusto", [75, 117, 115, 116, 111]], ["", []], ["é😀", [233, 128512]], ["a\nb", [97, 10, 98]]],
        fn("unicode_codepoints_from_string"),
    ),
    Case(
        "unicode-codepoints-to-string-doc-examples",
        "print a = unicode_codepoints_to_string(75, 117, 115, 116, 111),"
        " b = unicode_codepoints_to_string(dynamic([75, 117, 115, 116, 111])),"
        " c = unicode_codepoints_to_string(dynamic([75, 117, 115]), 116, 111),"
        " d = unicode_codepoints_to_string(75, 10, 117, 10, 115, 10, 116, 10, 111),"
        " e = unicode_codepoints_to_string(range(48,57), range(65,90), range(97,122))",
        ["a", "b", "c", "d", "e"],
        [
            [
                "Kusto",
                "Kusto",
                "Kusto",
                "K\nu\ns\nt\no",
                "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            ]
        ],
        fn("unicode_codepoints_to_string"),
    ),
    Case(
        # a value that is not a code point (negative, past 0x10FFFF, a surrogate) makes the whole result null, which
        # Kusto's strings show as ""; a null value adds nothing (pinned)
        "unicode-codepoints-to-string-columns",
        "datatable(x:long)[75, -1, 1114112, 55296, long(null), 233, 128512]"
        " | extend s = unicode_codepoints_to_string(x), t = unicode_codepoints_to_string(dynamic([75, 117]), x),"
        " u = unicode_codepoints_to_string(pack_array(x, 75)), m = make_string(x, 33)",
        ["x", "s", "t", "u", "m"],
        [
            [75, "K", "KuK", "KK", "K!"],
            [-1, "", "", "", ""],
            [1114112, "", "", "", ""],
            [55296, "", "", "", ""],
            [None, "", "Ku", "K", "!"],
            [233, "é", "Kué", "éK", "é!"],
            [128512, "😀", "Ku😀", "😀K", "😀!"],
        ],
        fn("unicode_codepoints_to_string"),
    ),
    # ================================================================ parse_csv
    Case(
        "parse-csv-doc-examples",
        'print result = parse_csv(\'aa,"b,b,b",cc,"Escaping quotes: ""Title""","line1\\nline2"\'),'
        " result_multi_record = parse_csv('record1,a,b,c\\nrecord2,x,y,z')",
        ["result", "result_multi_record"],
        [[["aa", "b,b,b", "cc", 'Escaping quotes: "Title"', "line1\nline2"], ["record1", "a", "b", "c"]]],
        fn("parse_csv"),
    ),
    Case(
        # "" is one empty field (pinned); empty fields are kept; \r\n ends a record as \n does
        "parse-csv-columns",
        'datatable(s:string)["", ",a,,\u00e9,", "a,b\\r\\nc", "\\"x\\"\\"y\\",z",'
        ' "Guy Reginiano, Guy Yehudy, Pankaj Suri"]'
        " | extend p = parse_csv(s), n = array_length(parse_csv(s))",
        ["s", "p", "n"],
        [
            ["", [""], 1],
            [",a,,\u00e9,", ["", "a", "", "\u00e9", ""], 5],
            ["a,b\r\nc", ["a", "b"], 2],
            ['"x""y",z', ['x"y', "z"], 2],
            ["Guy Reginiano, Guy Yehudy, Pankaj Suri", ["Guy Reginiano", " Guy Yehudy", " Pankaj Suri"], 3],
        ],
        fn("parse_csv"),
    ),
    # ================================================================ parse_version
    Case(
        "parse-version-doc-example",
        'datatable(v: string)["0.0.0.5", "0.0.7.0", "0.0.3", "0.2", "0.1.2.0", "1.2.3.4", "1"]'
        ' | extend parsedVersion = parse_version(v), needs_update = iff(parse_version(v) < parse_version("1.0.0.0"),'
        ' "Yes", "No")',
        ["v", "parsedVersion", "needs_update"],
        [
            ["0.0.0.5", "5", "Yes"],
            ["0.0.7.0", "700000000", "Yes"],
            ["0.0.3", "300000000", "Yes"],
            ["0.2", "20000000000000000", "Yes"],
            ["0.1.2.0", "10000000200000000", "Yes"],
            ["1.2.3.4", "1000000020000000300000004", "No"],
            ["1", "1000000000000000000000000", "No"],
        ],
        fn("parse_version"),
        types=["string", "decimal", "string"],
    ),
    Case(
        "parse-version-invalid",
        'datatable(v: string)["", "1.2.3.4.5", "123456789", "1.a", " 1", "1.", "99999999.99999999.99999999.99999999"]'
        " | extend p = parse_version(v)",
        ["v", "p"],
        [
            ["", None],
            ["1.2.3.4.5", None],
            ["123456789", None],
            ["1.a", None],
            [" 1", None],
            ["1.", None],
            ["99999999.99999999.99999999.99999999", "99999999999999999999999999999999"],
        ],
        fn("parse_version"),
    ),
    # ================================================================ parse_urlquery
    Case(
        # the page's `.[param]` written `[param]`, the same access in the spelling rmmhunt's parser reads
        "parse-urlquery-doc-examples",
        "let getQueryParamValue = (querystring: string, param: string) {"
        ' let params = parse_urlquery(querystring); tostring(params["Query Parameters"][param]) };'
        " print UrlQuery = 'view=vs-2019&preserve-view=true'"
        " | extend view = getQueryParamValue(UrlQuery, 'view'),"
        " preserve = getQueryParamValue(UrlQuery, 'preserve-view'),"
        ' Result = parse_urlquery("k1=v1&k2=v2&k3=v3")',
        ["UrlQuery", "view", "preserve", "Result"],
        [
            [
                "view=vs-2019&preserve-view=true",
                "vs-2019",
                "true",
                {"Query Parameters": {"k1": "v1", "k2": "v2", "k3": "v3"}},
            ]
        ],
        fn("parse_url_query"),
    ),
    Case(
        # read as parse_url reads a query (pinned): values undecoded, a repeated key an array, pairs without a key
        # or a value left out
        "parse-urlquery-columns",
        'datatable(q:string)["", "a=1&a=2&b=&=c&d=%20\u00e9", "x"] | extend p = parse_urlquery(q)',
        ["q", "p"],
        [
            ["", {"Query Parameters": {}}],
            ["a=1&a=2&b=&=c&d=%20\u00e9", {"Query Parameters": {"a": ["1", "2"], "d": "%20\u00e9"}}],
            ["x", {"Query Parameters": {}}],
        ],
        fn("parse_url_query"),
    ),
    # ================================================================ format_bytes
    Case(
        "format-bytes-doc-example",
        "print v1 = format_bytes(564), v2 = format_bytes(10332, 1), v3 = format_bytes(20010332),"
        ' v4 = format_bytes(20010332, 2), v5 = format_bytes(20010332, 0, "KB")',
        ["v1", "v2", "v3", "v4", "v5"],
        [["564 Bytes", "10.1 KB", "19 MB", "19.08 MB", "19541 KB"]],
        fn("format_bytes"),
    ),
    Case(
        # the unit is read case-insensitively and the decimals always written (both pinned); null gives ""
        "format-bytes-columns",
        "datatable(x:real)[0.0, 1023.0, 1024.0, -2048.0, real(null), 1.5e18, 1572864.0]"
        ' | extend a = format_bytes(x), b = format_bytes(x, 1, "mb"), c = format_bytes(tolong(x), 1)',
        ["x", "a", "b", "c"],
        [
            [0.0, "0 Bytes", "0.0 MB", "0.0 Bytes"],
            [1023.0, "1023 Bytes", "0.0 MB", "1023.0 Bytes"],
            [1024.0, "1 KB", "0.0 MB", "1.0 KB"],
            [-2048.0, "-2 KB", "-0.0 MB", "-2.0 KB"],
            [None, "", "", ""],
            [1.5e18, "1 EB", "1430511474609.4 MB", "1.3 EB"],
            [1572864.0, "2 MB", "1.5 MB", "1.5 MB"],
        ],
        fn("format_bytes"),
    ),
    # ================================================================ replace_strings
    Case(
        "replace-strings-doc-examples",
        'print Message = "This is an example of using replace_strings()"'
        " | extend Outcome1 = replace_strings(Message, dynamic(['This', 'is']), dynamic(['This', 'was'])),"
        " Outcome2 = replace_strings(Message, dynamic(['is', 'This']), dynamic(['was', 'This'])),"
        " Outcome3 = replace_strings(Message, dynamic(['This', 'is']), dynamic([12345, 'was'])),"
        " Outcome4 = replace_strings('A magic trick can turn a cat into a dog', dynamic(['cat', 'dog']),"
        " dynamic(['dog', 'pigeon'])),"
        " Outcome5 = replace_strings('A magic trick can turn a cat into a dog', dynamic(['turn', ' into a dog']),"
        " dynamic(['disappear', '']))",
        ["Message", "Outcome1", "Outcome2", "Outcome3", "Outcome4", "Outcome5"],
        [
            [
                "This is an example of using replace_strings()",
                "This was an example of using replace_strings()",
                "Thwas was an example of using replace_strings()",
                "This was an example of using replace_strings()",
                "A magic trick can turn a dog into a pigeon",
                "A magic trick can disappear a cat",
            ]
        ],
        fn("replace_strings"),
    ),
    Case(
        # a lookup that is not a string, or "", is ignored; a lookup with no rewrite keeps its matches (pinned)
        "replace-strings-columns",
        "datatable(s:string)['', 'aaa', '\u00e9.\u00e9', 'x', 'a.b|c']"
        " | extend r = replace_strings(s, dynamic(['aa', 'a', '.', 5, '', 'x', '|']),"
        " dynamic(['b', 'c', '-', 'z', 'q']))",
        ["s", "r"],
        [["", ""], ["aaa", "bc"], ["\u00e9.\u00e9", "\u00e9-\u00e9"], ["x", "x"], ["a.b|c", "c-b|c"]],
        fn("replace_strings"),
    ),
    # ================================================================ base64 of guids and byte arrays
    Case(
        "base64-encode-fromguid-doc-example",
        'print Quine = base64_encode_fromguid(toguid("ae3133f2-6e22-49ae-b06a-16e6a9b212eb"))',
        ["Quine"],
        [["8jMxriJurkmwahbmqbIS6w=="]],
        fn("base64_encode_fromguid"),
    ),
    Case(
        # a null guid gives "" (Kusto's null string)
        "base64-encode-fromguid-columns",
        "datatable(g:guid)[guid(ae3133f2-6e22-49ae-b06a-16e6a9b212eb), guid(00000000-0000-0000-0000-000000000001),"
        " guid(null)] | extend b = base64_encode_fromguid(g)",
        ["g", "b"],
        [
            ["ae3133f2-6e22-49ae-b06a-16e6a9b212eb", "8jMxriJurkmwahbmqbIS6w=="],
            ["00000000-0000-0000-0000-000000000001", "AAAAAAAAAAAAAAAAAAAAAQ=="],
            [None, ""],
        ],
        fn("base64_encode_fromguid"),
    ),
    Case(
        # the page's output keeps the third field's bytes as written (not .NET's order): followed as documented
        "base64-decode-toguid-doc-example",
        'print Quine = base64_decode_toguid("JpbpECu8dUy7Pv5gbeJXAA=="), Empty = base64_decode_toguid("abcd1231")',
        ["Quine", "Empty"],
        [["10e99626-bc2b-754c-bb3e-fe606de25700", None]],
        fn("base64_decode_toguid"),
        types=["guid", "guid"],
    ),
    Case(
        # valid base64 of another number of bytes than 16 is null, as invalid base64 is (pinned)
        "base64-decode-toguid-columns",
        'datatable(s:string)["JpbpECu8dUy7Pv5gbeJXAA==", "AAAAAAAAAAAAAAAAAAAAAQ==", "S3VzdG8=", "", "%%%"]'
        " | extend g = base64_decode_toguid(s)",
        ["s", "g"],
        [
            ["JpbpECu8dUy7Pv5gbeJXAA==", "10e99626-bc2b-754c-bb3e-fe606de25700"],
            ["AAAAAAAAAAAAAAAAAAAAAQ==", "00000000-0000-0000-0000-000000000001"],
            ["S3VzdG8=", None],
            ["", None],
            ["%%%", None],
        ],
        fn("base64_decode_toguid"),
    ),
    Case(
        # the page's toscalar(print ...) written inline: Spark takes no subquery inside the lambdas this compiles to
        "base64-encode-fromarray-doc-examples",
        'print decoded_base64_string = base64_encode_fromarray(base64_decode_toarray("S3VzdG8=")),'
        ' empty_string = base64_encode_fromarray(base64_decode_toarray("U3RyaW5n0KHR0tGA0L7Rh9C60LA"))',
        ["decoded_base64_string", "empty_string"],
        [["S3VzdG8=", ""]],
        fn("base64_encode_fromarray"),
    ),
    Case(
        # an element that is not a byte (or null), or a value that is not an array, gives "" (pinned)
        "base64-encode-fromarray-columns",
        "datatable(d:dynamic)[dynamic([75, 117, 115, 116, 111]), dynamic([0, 255]), dynamic([256]), dynamic([-1]),"
        ' dynamic([]), dynamic(null), dynamic("x"), dynamic([1, null])] | extend b = base64_encode_fromarray(d)',
        ["d", "b"],
        [
            [[75, 117, 115, 116, 111], "S3VzdG8="],
            [[0, 255], "AP8="],
            [[256], ""],
            [[-1], ""],
            [[], ""],
            [None, ""],
            ["x", ""],
            [[1, None], ""],
        ],
        fn("base64_encode_fromarray"),
    ),
]
