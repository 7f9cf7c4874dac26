//! The built-in functions of BIFF8 formulas: every index of the Ftab table (MS-XLS 2.5.198.17,
//! 0x0000 to 0x017B) with its name and, where PtgFunc may call it, its fixed argument count.
//!
//! PtgFunc names a function with a fixed number of arguments and does not store the count, so
//! the decoder must know it; PtgFuncVar stores its count. The counts follow each function's
//! parameter grammar in the specification: a function whose grammar has optional or repeated
//! parameters is [`Arity::Variable`]. Macro-sheet functions whose grammar is not restated here are
//! listed as variable too: a PtgFunc naming one fails its cell, which is only possible in a macro
//! sheet. The indices with no function (0x00CA, 0x00CB, 0x00D9, 0x00DA, 0x00F9, 0x00FA, 0x014D)
//! are `None`, as is 0x00FF, which calls a user-defined or add-in function named by its first
//! argument instead.

/// How many arguments a built-in function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arity {
    /// Always this many: PtgFunc may call it.
    Fixed(u8),
    /// A count PtgFuncVar gives.
    Variable,
}

/// A built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Function {
    /// The name Excel writes (`SUM`, `GET.CELL`).
    pub name: &'static str,
    /// Its argument count.
    pub arity: Arity,
}

/// The function at index `iftab` of the Ftab table; `None` past the table and in its gaps.
pub(super) fn function(iftab: u16) -> Option<Function> {
    FTAB.get(usize::from(iftab)).copied().flatten()
}

const fn f(name: &'static str, arity: Arity) -> Option<Function> {
    Some(Function { name, arity })
}

use Arity::{Fixed, Variable};

/// Ftab, indexed by `iftab`.
#[rustfmt::skip]
const FTAB: [Option<Function>; 0x17C] = [
    f("COUNT", Variable), // 0x0000
    f("IF", Variable), // 0x0001
    f("ISNA", Fixed(1)), // 0x0002
    f("ISERROR", Fixed(1)), // 0x0003
    f("SUM", Variable), // 0x0004
    f("AVERAGE", Variable), // 0x0005
    f("MIN", Variable), // 0x0006
    f("MAX", Variable), // 0x0007
    f("ROW", Variable), // 0x0008
    f("COLUMN", Variable), // 0x0009
    f("NA", Fixed(0)), // 0x000A
    f("NPV", Variable), // 0x000B
    f("STDEV", Variable), // 0x000C
    f("DOLLAR", Variable), // 0x000D
    f("FIXED", Variable), // 0x000E
    f("SIN", Fixed(1)), // 0x000F
    f("COS", Fixed(1)), // 0x0010
    f("TAN", Fixed(1)), // 0x0011
    f("ATAN", Fixed(1)), // 0x0012
    f("PI", Fixed(0)), // 0x0013
    f("SQRT", Fixed(1)), // 0x0014
    f("EXP", Fixed(1)), // 0x0015
    f("LN", Fixed(1)), // 0x0016
    f("LOG10", Fixed(1)), // 0x0017
    f("ABS", Fixed(1)), // 0x0018
    f("INT", Fixed(1)), // 0x0019
    f("SIGN", Fixed(1)), // 0x001A
    f("ROUND", Fixed(2)), // 0x001B
    f("LOOKUP", Variable), // 0x001C
    f("INDEX", Variable), // 0x001D
    f("REPT", Fixed(2)), // 0x001E
    f("MID", Fixed(3)), // 0x001F
    f("LEN", Fixed(1)), // 0x0020
    f("VALUE", Fixed(1)), // 0x0021
    f("TRUE", Fixed(0)), // 0x0022
    f("FALSE", Fixed(0)), // 0x0023
    f("AND", Variable), // 0x0024
    f("OR", Variable), // 0x0025
    f("NOT", Fixed(1)), // 0x0026
    f("MOD", Fixed(2)), // 0x0027
    f("DCOUNT", Fixed(3)), // 0x0028
    f("DSUM", Fixed(3)), // 0x0029
    f("DAVERAGE", Fixed(3)), // 0x002A
    f("DMIN", Fixed(3)), // 0x002B
    f("DMAX", Fixed(3)), // 0x002C
    f("DSTDEV", Fixed(3)), // 0x002D
    f("VAR", Variable), // 0x002E
    f("DVAR", Fixed(3)), // 0x002F
    f("TEXT", Fixed(2)), // 0x0030
    f("LINEST", Variable), // 0x0031
    f("TREND", Variable), // 0x0032
    f("LOGEST", Variable), // 0x0033
    f("GROWTH", Variable), // 0x0034
    f("GOTO", Fixed(1)), // 0x0035
    f("HALT", Variable), // 0x0036
    f("RETURN", Variable), // 0x0037
    f("PV", Variable), // 0x0038
    f("FV", Variable), // 0x0039
    f("NPER", Variable), // 0x003A
    f("PMT", Variable), // 0x003B
    f("RATE", Variable), // 0x003C
    f("MIRR", Fixed(3)), // 0x003D
    f("IRR", Variable), // 0x003E
    f("RAND", Fixed(0)), // 0x003F
    f("MATCH", Variable), // 0x0040
    f("DATE", Fixed(3)), // 0x0041
    f("TIME", Fixed(3)), // 0x0042
    f("DAY", Fixed(1)), // 0x0043
    f("MONTH", Fixed(1)), // 0x0044
    f("YEAR", Fixed(1)), // 0x0045
    f("WEEKDAY", Variable), // 0x0046
    f("HOUR", Fixed(1)), // 0x0047
    f("MINUTE", Fixed(1)), // 0x0048
    f("SECOND", Fixed(1)), // 0x0049
    f("NOW", Fixed(0)), // 0x004A
    f("AREAS", Fixed(1)), // 0x004B
    f("ROWS", Fixed(1)), // 0x004C
    f("COLUMNS", Fixed(1)), // 0x004D
    f("OFFSET", Variable), // 0x004E
    f("ABSREF", Fixed(2)), // 0x004F
    f("RELREF", Fixed(2)), // 0x0050
    f("ARGUMENT", Variable), // 0x0051
    f("SEARCH", Variable), // 0x0052
    f("TRANSPOSE", Fixed(1)), // 0x0053
    f("ERROR", Variable), // 0x0054
    f("STEP", Variable), // 0x0055
    f("TYPE", Fixed(1)), // 0x0056
    f("ECHO", Variable), // 0x0057
    f("SET.NAME", Variable), // 0x0058
    f("CALLER", Fixed(0)), // 0x0059
    f("DEREF", Fixed(1)), // 0x005A
    f("WINDOWS", Variable), // 0x005B
    f("SERIES", Variable), // 0x005C
    f("DOCUMENTS", Variable), // 0x005D
    f("ACTIVE.CELL", Fixed(0)), // 0x005E
    f("SELECTION", Fixed(0)), // 0x005F
    f("RESULT", Variable), // 0x0060
    f("ATAN2", Fixed(2)), // 0x0061
    f("ASIN", Fixed(1)), // 0x0062
    f("ACOS", Fixed(1)), // 0x0063
    f("CHOOSE", Variable), // 0x0064
    f("HLOOKUP", Variable), // 0x0065
    f("VLOOKUP", Variable), // 0x0066
    f("LINKS", Variable), // 0x0067
    f("INPUT", Variable), // 0x0068
    f("ISREF", Fixed(1)), // 0x0069
    f("GET.FORMULA", Variable), // 0x006A
    f("GET.NAME", Variable), // 0x006B
    f("SET.VALUE", Variable), // 0x006C
    f("LOG", Variable), // 0x006D
    f("EXEC", Variable), // 0x006E
    f("CHAR", Fixed(1)), // 0x006F
    f("LOWER", Fixed(1)), // 0x0070
    f("UPPER", Fixed(1)), // 0x0071
    f("PROPER", Fixed(1)), // 0x0072
    f("LEFT", Variable), // 0x0073
    f("RIGHT", Variable), // 0x0074
    f("EXACT", Fixed(2)), // 0x0075
    f("TRIM", Fixed(1)), // 0x0076
    f("REPLACE", Fixed(4)), // 0x0077
    f("SUBSTITUTE", Variable), // 0x0078
    f("CODE", Fixed(1)), // 0x0079
    f("NAMES", Variable), // 0x007A
    f("DIRECTORY", Variable), // 0x007B
    f("FIND", Variable), // 0x007C
    f("CELL", Variable), // 0x007D
    f("ISERR", Fixed(1)), // 0x007E
    f("ISTEXT", Fixed(1)), // 0x007F
    f("ISNUMBER", Fixed(1)), // 0x0080
    f("ISBLANK", Fixed(1)), // 0x0081
    f("T", Fixed(1)), // 0x0082
    f("N", Fixed(1)), // 0x0083
    f("FOPEN", Variable), // 0x0084
    f("FCLOSE", Fixed(1)), // 0x0085
    f("FSIZE", Fixed(1)), // 0x0086
    f("FREADLN", Fixed(1)), // 0x0087
    f("FREAD", Fixed(2)), // 0x0088
    f("FWRITELN", Fixed(2)), // 0x0089
    f("FWRITE", Fixed(2)), // 0x008A
    f("FPOS", Variable), // 0x008B
    f("DATEVALUE", Fixed(1)), // 0x008C
    f("TIMEVALUE", Fixed(1)), // 0x008D
    f("SLN", Fixed(3)), // 0x008E
    f("SYD", Fixed(4)), // 0x008F
    f("DDB", Variable), // 0x0090
    f("GET.DEF", Variable), // 0x0091
    f("REFTEXT", Variable), // 0x0092
    f("TEXTREF", Variable), // 0x0093
    f("INDIRECT", Variable), // 0x0094
    f("REGISTER", Variable), // 0x0095
    f("CALL", Variable), // 0x0096
    f("ADD.BAR", Variable), // 0x0097
    f("ADD.MENU", Variable), // 0x0098
    f("ADD.COMMAND", Variable), // 0x0099
    f("ENABLE.COMMAND", Variable), // 0x009A
    f("CHECK.COMMAND", Variable), // 0x009B
    f("RENAME.COMMAND", Variable), // 0x009C
    f("SHOW.BAR", Variable), // 0x009D
    f("DELETE.MENU", Variable), // 0x009E
    f("DELETE.COMMAND", Variable), // 0x009F
    f("GET.CHART.ITEM", Variable), // 0x00A0
    f("DIALOG.BOX", Variable), // 0x00A1
    f("CLEAN", Fixed(1)), // 0x00A2
    f("MDETERM", Fixed(1)), // 0x00A3
    f("MINVERSE", Fixed(1)), // 0x00A4
    f("MMULT", Fixed(2)), // 0x00A5
    f("FILES", Variable), // 0x00A6
    f("IPMT", Variable), // 0x00A7
    f("PPMT", Variable), // 0x00A8
    f("COUNTA", Variable), // 0x00A9
    f("CANCEL.KEY", Variable), // 0x00AA
    f("FOR", Variable), // 0x00AB
    f("WHILE", Fixed(1)), // 0x00AC
    f("BREAK", Fixed(0)), // 0x00AD
    f("NEXT", Fixed(0)), // 0x00AE
    f("INITIATE", Fixed(2)), // 0x00AF
    f("REQUEST", Fixed(2)), // 0x00B0
    f("POKE", Fixed(3)), // 0x00B1
    f("EXECUTE", Fixed(2)), // 0x00B2
    f("TERMINATE", Fixed(1)), // 0x00B3
    f("RESTART", Variable), // 0x00B4
    f("HELP", Variable), // 0x00B5
    f("GET.BAR", Variable), // 0x00B6
    f("PRODUCT", Variable), // 0x00B7
    f("FACT", Fixed(1)), // 0x00B8
    f("GET.CELL", Variable), // 0x00B9
    f("GET.WORKSPACE", Variable), // 0x00BA
    f("GET.WINDOW", Variable), // 0x00BB
    f("GET.DOCUMENT", Variable), // 0x00BC
    f("DPRODUCT", Fixed(3)), // 0x00BD
    f("ISNONTEXT", Fixed(1)), // 0x00BE
    f("GET.NOTE", Variable), // 0x00BF
    f("NOTE", Variable), // 0x00C0
    f("STDEVP", Variable), // 0x00C1
    f("VARP", Variable), // 0x00C2
    f("DSTDEVP", Fixed(3)), // 0x00C3
    f("DVARP", Fixed(3)), // 0x00C4
    f("TRUNC", Variable), // 0x00C5
    f("ISLOGICAL", Fixed(1)), // 0x00C6
    f("DCOUNTA", Fixed(3)), // 0x00C7
    f("DELETE.BAR", Variable), // 0x00C8
    f("UNREGISTER", Fixed(1)), // 0x00C9
    None, // 0x00CA
    None, // 0x00CB
    f("USDOLLAR", Variable), // 0x00CC
    f("FINDB", Variable), // 0x00CD
    f("SEARCHB", Variable), // 0x00CE
    f("REPLACEB", Fixed(4)), // 0x00CF
    f("LEFTB", Variable), // 0x00D0
    f("RIGHTB", Variable), // 0x00D1
    f("MIDB", Fixed(3)), // 0x00D2
    f("LENB", Fixed(1)), // 0x00D3
    f("ROUNDUP", Fixed(2)), // 0x00D4
    f("ROUNDDOWN", Fixed(2)), // 0x00D5
    f("ASC", Fixed(1)), // 0x00D6
    f("DBCS", Fixed(1)), // 0x00D7
    f("RANK", Variable), // 0x00D8
    None, // 0x00D9
    None, // 0x00DA
    f("ADDRESS", Variable), // 0x00DB
    f("DAYS360", Variable), // 0x00DC
    f("TODAY", Fixed(0)), // 0x00DD
    f("VDB", Variable), // 0x00DE
    f("ELSE", Fixed(0)), // 0x00DF
    f("ELSE.IF", Variable), // 0x00E0
    f("END.IF", Fixed(0)), // 0x00E1
    f("FOR.CELL", Variable), // 0x00E2
    f("MEDIAN", Variable), // 0x00E3
    f("SUMPRODUCT", Variable), // 0x00E4
    f("SINH", Fixed(1)), // 0x00E5
    f("COSH", Fixed(1)), // 0x00E6
    f("TANH", Fixed(1)), // 0x00E7
    f("ASINH", Fixed(1)), // 0x00E8
    f("ACOSH", Fixed(1)), // 0x00E9
    f("ATANH", Fixed(1)), // 0x00EA
    f("DGET", Fixed(3)), // 0x00EB
    f("CREATE.OBJECT", Variable), // 0x00EC
    f("VOLATILE", Variable), // 0x00ED
    f("LAST.ERROR", Fixed(0)), // 0x00EE
    f("CUSTOM.UNDO", Variable), // 0x00EF
    f("CUSTOM.REPEAT", Variable), // 0x00F0
    f("FORMULA.CONVERT", Variable), // 0x00F1
    f("GET.LINK.INFO", Variable), // 0x00F2
    f("TEXT.BOX", Variable), // 0x00F3
    f("INFO", Fixed(1)), // 0x00F4
    f("GROUP", Variable), // 0x00F5
    f("GET.OBJECT", Variable), // 0x00F6
    f("DB", Variable), // 0x00F7
    f("PAUSE", Variable), // 0x00F8
    None, // 0x00F9
    None, // 0x00FA
    f("RESUME", Variable), // 0x00FB
    f("FREQUENCY", Fixed(2)), // 0x00FC
    f("ADD.TOOLBAR", Variable), // 0x00FD
    f("DELETE.TOOLBAR", Variable), // 0x00FE
    // 0x00FF: a user-defined or add-in function, named by its first argument.
    None,
    f("RESET.TOOLBAR", Variable), // 0x0100
    f("EVALUATE", Fixed(1)), // 0x0101
    f("GET.TOOLBAR", Variable), // 0x0102
    f("GET.TOOL", Variable), // 0x0103
    f("SPELLING.CHECK", Variable), // 0x0104
    f("ERROR.TYPE", Fixed(1)), // 0x0105
    f("APP.TITLE", Variable), // 0x0106
    f("WINDOW.TITLE", Variable), // 0x0107
    f("SAVE.TOOLBAR", Variable), // 0x0108
    f("ENABLE.TOOL", Variable), // 0x0109
    f("PRESS.TOOL", Variable), // 0x010A
    f("REGISTER.ID", Variable), // 0x010B
    f("GET.WORKBOOK", Variable), // 0x010C
    f("AVEDEV", Variable), // 0x010D
    f("BETADIST", Variable), // 0x010E
    f("GAMMALN", Fixed(1)), // 0x010F
    f("BETAINV", Variable), // 0x0110
    f("BINOMDIST", Fixed(4)), // 0x0111
    f("CHIDIST", Fixed(2)), // 0x0112
    f("CHIINV", Fixed(2)), // 0x0113
    f("COMBIN", Fixed(2)), // 0x0114
    f("CONFIDENCE", Fixed(3)), // 0x0115
    f("CRITBINOM", Fixed(3)), // 0x0116
    f("EVEN", Fixed(1)), // 0x0117
    f("EXPONDIST", Fixed(3)), // 0x0118
    f("FDIST", Fixed(3)), // 0x0119
    f("FINV", Fixed(3)), // 0x011A
    f("FISHER", Fixed(1)), // 0x011B
    f("FISHERINV", Fixed(1)), // 0x011C
    f("FLOOR", Fixed(2)), // 0x011D
    f("GAMMADIST", Fixed(4)), // 0x011E
    f("GAMMAINV", Fixed(3)), // 0x011F
    f("CEILING", Fixed(2)), // 0x0120
    f("HYPGEOMDIST", Fixed(4)), // 0x0121
    f("LOGNORMDIST", Fixed(3)), // 0x0122
    f("LOGINV", Fixed(3)), // 0x0123
    f("NEGBINOMDIST", Fixed(3)), // 0x0124
    f("NORMDIST", Fixed(4)), // 0x0125
    f("NORMSDIST", Fixed(1)), // 0x0126
    f("NORMINV", Fixed(3)), // 0x0127
    f("NORMSINV", Fixed(1)), // 0x0128
    f("STANDARDIZE", Fixed(3)), // 0x0129
    f("ODD", Fixed(1)), // 0x012A
    f("PERMUT", Fixed(2)), // 0x012B
    f("POISSON", Fixed(3)), // 0x012C
    f("TDIST", Fixed(3)), // 0x012D
    f("WEIBULL", Fixed(4)), // 0x012E
    f("SUMXMY2", Fixed(2)), // 0x012F
    f("SUMX2MY2", Fixed(2)), // 0x0130
    f("SUMX2PY2", Fixed(2)), // 0x0131
    f("CHITEST", Fixed(2)), // 0x0132
    f("CORREL", Fixed(2)), // 0x0133
    f("COVAR", Fixed(2)), // 0x0134
    f("FORECAST", Fixed(3)), // 0x0135
    f("FTEST", Fixed(2)), // 0x0136
    f("INTERCEPT", Fixed(2)), // 0x0137
    f("PEARSON", Fixed(2)), // 0x0138
    f("RSQ", Fixed(2)), // 0x0139
    f("STEYX", Fixed(2)), // 0x013A
    f("SLOPE", Fixed(2)), // 0x013B
    f("TTEST", Fixed(4)), // 0x013C
    f("PROB", Variable), // 0x013D
    f("DEVSQ", Variable), // 0x013E
    f("GEOMEAN", Variable), // 0x013F
    f("HARMEAN", Variable), // 0x0140
    f("SUMSQ", Variable), // 0x0141
    f("KURT", Variable), // 0x0142
    f("SKEW", Variable), // 0x0143
    f("ZTEST", Variable), // 0x0144
    f("LARGE", Fixed(2)), // 0x0145
    f("SMALL", Fixed(2)), // 0x0146
    f("QUARTILE", Fixed(2)), // 0x0147
    f("PERCENTILE", Fixed(2)), // 0x0148
    f("PERCENTRANK", Variable), // 0x0149
    f("MODE", Variable), // 0x014A
    f("TRIMMEAN", Fixed(2)), // 0x014B
    f("TINV", Fixed(2)), // 0x014C
    None, // 0x014D
    f("MOVIE.COMMAND", Variable), // 0x014E
    f("GET.MOVIE", Variable), // 0x014F
    f("CONCATENATE", Variable), // 0x0150
    f("POWER", Fixed(2)), // 0x0151
    f("PIVOT.ADD.DATA", Variable), // 0x0152
    f("GET.PIVOT.TABLE", Variable), // 0x0153
    f("GET.PIVOT.FIELD", Variable), // 0x0154
    f("GET.PIVOT.ITEM", Variable), // 0x0155
    f("RADIANS", Fixed(1)), // 0x0156
    f("DEGREES", Fixed(1)), // 0x0157
    f("SUBTOTAL", Variable), // 0x0158
    f("SUMIF", Variable), // 0x0159
    f("COUNTIF", Fixed(2)), // 0x015A
    f("COUNTBLANK", Fixed(1)), // 0x015B
    f("SCENARIO.GET", Variable), // 0x015C
    f("OPTIONS.LISTS.GET", Variable), // 0x015D
    f("ISPMT", Fixed(4)), // 0x015E
    f("DATEDIF", Fixed(3)), // 0x015F
    f("DATESTRING", Fixed(1)), // 0x0160
    f("NUMBERSTRING", Fixed(2)), // 0x0161
    f("ROMAN", Variable), // 0x0162
    f("OPEN.DIALOG", Variable), // 0x0163
    f("SAVE.DIALOG", Variable), // 0x0164
    f("VIEW.GET", Variable), // 0x0165
    f("GETPIVOTDATA", Variable), // 0x0166
    f("HYPERLINK", Variable), // 0x0167
    f("PHONETIC", Fixed(1)), // 0x0168
    f("AVERAGEA", Variable), // 0x0169
    f("MAXA", Variable), // 0x016A
    f("MINA", Variable), // 0x016B
    f("STDEVPA", Variable), // 0x016C
    f("VARPA", Variable), // 0x016D
    f("STDEVA", Variable), // 0x016E
    f("VARA", Variable), // 0x016F
    f("BAHTTEXT", Fixed(1)), // 0x0170
    f("THAIDAYOFWEEK", Fixed(1)), // 0x0171
    f("THAIDIGIT", Fixed(1)), // 0x0172
    f("THAIMONTHOFYEAR", Fixed(1)), // 0x0173
    f("THAINUMSOUND", Fixed(1)), // 0x0174
    f("THAINUMSTRING", Fixed(1)), // 0x0175
    f("THAISTRINGLENGTH", Fixed(1)), // 0x0176
    f("ISTHAIDIGIT", Fixed(1)), // 0x0177
    f("ROUNDBAHTDOWN", Fixed(1)), // 0x0178
    f("ROUNDBAHTUP", Fixed(1)), // 0x0179
    f("THAIYEAR", Fixed(1)), // 0x017A
    f("RTD", Variable), // 0x017B
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_what_the_specification_names() {
        assert_eq!(function(0x0000).map(|f| f.name), Some("COUNT"));
        assert_eq!(
            function(0x0001),
            Some(Function {
                name: "IF",
                arity: Variable
            })
        );
        assert_eq!(
            function(0x0027),
            Some(Function {
                name: "MOD",
                arity: Fixed(2)
            })
        );
        assert_eq!(function(0x00A9).map(|f| f.name), Some("COUNTA"));
        assert_eq!(
            function(0x015A),
            Some(Function {
                name: "COUNTIF",
                arity: Fixed(2)
            })
        );
        assert_eq!(function(0x0013).map(|f| f.arity), Some(Fixed(0)), "PI");
        assert_eq!(function(0x005C).map(|f| f.name), Some("SERIES"));
        assert_eq!(function(0x017B).map(|f| f.name), Some("RTD"));
        for gap in [
            0x00CA, 0x00CB, 0x00D9, 0x00DA, 0x00F9, 0x00FA, 0x00FF, 0x014D, 0x017C,
        ] {
            assert_eq!(function(gap), None, "{gap:#x}");
        }
        assert_eq!(function(u16::MAX), None);
        let named = FTAB.iter().flatten().count();
        assert_eq!(named, 0x17C - 8);
    }
}
