"""Tables for the demo city (デモ自治体のデータ): Akita City's municipality, a town-block master,
name lists and foreign-resident profiles.

The town blocks are *real-looking*, not authoritative: area names of Akita City with their
kana, postcodes in the city's 010-/011-/019- ranges, and school and voting districts invented
for the demo. Do not use them as reference data.

Names with MJ glyph variants are written as Ideographic Variation Sequences (IVS); every
sequence below is in IPAmj明朝's format-14 cmap (checked when the table was written), so
certificates can print them.
"""

from __future__ import annotations

from typing import NamedTuple

MUNICIPALITY = {
    "lg_code": "052019",
    "name": "秋田市",
    "name_kana": "アキタシ",
    "prefecture": "秋田県",
    "prefecture_kana": "アキタケン",
    "mayor_title": "秋田市長",
    "mayor_name": "見本　太郎",
}


class Town(NamedTuple):
    """One named area; ``chome`` > 0 expands it into that many 丁目 town blocks."""

    name: str
    kana: str
    chome: int
    postcode: str
    residence_indication: bool  # 住居表示実施
    elementary: str
    junior_high: str
    weight: float  # relative population per town block


TOWNS: tuple[Town, ...] = (
    Town("中通", "ナカドオリ", 6, "0100001", True, "中通小学校", "秋田南中学校", 0.8),
    Town("大町", "オオマチ", 6, "0100921", True, "中通小学校", "秋田南中学校", 0.6),
    Town("千秋明徳町", "センシュウメイトクチョウ", 0, "0100875", False, "明徳小学校", "秋田北中学校", 1.0),
    Town("千秋矢留町", "センシュウヤドメマチ", 0, "0100876", False, "明徳小学校", "秋田北中学校", 0.8),
    Town("山王", "サンノウ", 6, "0100951", True, "旭南小学校", "山王中学校", 1.0),
    Town("山王中園町", "サンノウナカゾノマチ", 0, "0100952", False, "旭南小学校", "山王中学校", 1.0),
    Town("旭北錦町", "キョクホクニシキチョウ", 0, "0100017", False, "旭北小学校", "秋田北中学校", 1.0),
    Town("保戸野千代田町", "ホドノチヨダマチ", 0, "0100916", False, "保戸野小学校", "秋田北中学校", 1.2),
    Town("手形", "テガタ", 0, "0100851", False, "東小学校", "城東中学校", 2.0),
    Town("手形山中町", "テガタヤマナカマチ", 0, "0100863", False, "東小学校", "城東中学校", 1.2),
    Town("広面", "ヒロオモテ", 0, "0100041", False, "広面小学校", "城東中学校", 3.0),
    Town("楢山本町", "ナラヤマホンチョウ", 0, "0100023", False, "築山小学校", "秋田南中学校", 1.2),
    Town("牛島東", "ウシジマヒガシ", 5, "0100063", True, "牛島小学校", "城南中学校", 1.2),
    Town("茨島", "バラジマ", 5, "0100065", True, "茨島小学校", "秋田西中学校", 1.0),
    Town("八橋本町", "ヤバセホンチョウ", 6, "0100975", True, "八橋小学校", "山王中学校", 1.1),
    Town("泉中央", "イズミチュウオウ", 6, "0100817", True, "泉小学校", "泉中学校", 1.3),
    Town("外旭川", "ソトアサヒカワ", 0, "0100802", False, "外旭川小学校", "外旭川中学校", 3.5),
    Town("将軍野南", "ショウグンノミナミ", 5, "0110931", True, "土崎南小学校", "土崎中学校", 1.1),
    Town("土崎港中央", "ツチザキミナトチュウオウ", 6, "0110946", True, "土崎小学校", "土崎中学校", 1.0),
    Town("飯島", "イイジマ", 0, "0110911", False, "飯島小学校", "飯島中学校", 3.0),
    Town("寺内", "テラウチ", 0, "0110901", False, "寺内小学校", "秋田北中学校", 2.0),
    Town("新屋扇町", "アラヤオウギマチ", 0, "0101636", False, "日新小学校", "秋田西中学校", 1.5),
    Town("御所野地蔵田", "ゴショノジゾウデン", 5, "0101413", True, "御所野小学校", "御所野学院中学校", 1.4),
    Town("仁井田", "ニイダ", 0, "0101423", False, "仁井田小学校", "城南中学校", 2.5),
    Town("四ツ小屋", "ヨツゴヤ", 0, "0101427", False, "四ツ小屋小学校", "御所野学院中学校", 1.5),
    Town("河辺和田", "カワベワダ", 0, "0192611", False, "河辺小学校", "河辺中学校", 1.8),
    Town("雄和妙法", "ユウワミョウホウ", 0, "0101223", False, "雄和小学校", "雄和中学校", 1.2),
)

CHOME_KANJI = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九")
CHOME_KANA = ("", "イッ", "ニ", "サン", "ヨン", "ゴ", "ロク", "ナナ", "ハッ", "キュウ")

# (kanji, kana, romaji). Surnames common in Akita, added to Faker's national list with
# weights in the same unit (people nationwide), boosted where Akita has more.
AKITA_SURNAMES: tuple[tuple[str, str, str, float], ...] = (
    ("工藤", "クドウ", "Kudo", 140000.0),
    ("菅原", "スガワラ", "Sugawara", 130000.0),
    ("小松", "コマツ", "Komatsu", 60000.0),
    ("成田", "ナリタ", "Narita", 60000.0),
    ("柴田", "シバタ", "Shibata", 50000.0),
    ("畠山", "ハタケヤマ", "Hatakeyama", 50000.0),
    ("武田", "タケダ", "Takeda", 50000.0),
    ("進藤", "シンドウ", "Shindo", 40000.0),
    ("加賀谷", "カガヤ", "Kagaya", 30000.0),
    ("渡部", "ワタナベ", "Watanabe", 40000.0),
    ("熊谷", "クマガイ", "Kumagai", 40000.0),
    ("京野", "キョウノ", "Kyono", 20000.0),
    ("嵯峨", "サガ", "Saga", 20000.0),
    ("三浦", "ミウラ", "Miura", 60000.0),
    ("伊藤", "イトウ", "Ito", 80000.0),
)

# Surnames registered with an MJ glyph variant (written as IVS: base + U+E01xx).
IVS_SURNAMES: tuple[tuple[str, str, str], ...] = (
    ("辻\U000e0102", "ツジ", "Tsuji"),
    ("辻\U000e0103", "ツジ", "Tsuji"),
    ("渡\u9089\U000e0110", "ワタナベ", "Watanabe"),  # 渡邉
    ("渡\u908a\U000e010b", "ワタナベ", "Watanabe"),  # 渡邊
    ("\u9f4b\U000e0103藤", "サイトウ", "Saito"),  # 齋藤
    ("\u845b\U000e0103西", "カサイ", "Kasai"),  # 葛西
)
IVS_SURNAME_SHARE = 0.04

# Given names by generation: (kanji, kana, romaji).
OLD_MALE = (
    ("清", "キヨシ", "Kiyoshi"), ("勇", "イサム", "Isamu"), ("正雄", "マサオ", "Masao"),
    ("茂", "シゲル", "Shigeru"), ("博", "ヒロシ", "Hiroshi"), ("進", "ススム", "Susumu"),
    ("武", "タケシ", "Takeshi"), ("実", "ミノル", "Minoru"), ("三郎", "サブロウ", "Saburo"),
    ("正一", "ショウイチ", "Shoichi"), ("昭", "アキラ", "Akira"), ("義男", "ヨシオ", "Yoshio"),
)
OLD_FEMALE = (
    ("和子", "カズコ", "Kazuko"), ("幸子", "サチコ", "Sachiko"), ("節子", "セツコ", "Setsuko"),
    ("恵子", "ケイコ", "Keiko"), ("京子", "キョウコ", "Kyoko"), ("美智子", "ミチコ", "Michiko"),
    ("悦子", "エツコ", "Etsuko"), ("ハル", "ハル", "Haru"), ("キヨ", "キヨ", "Kiyo"),
    ("トシ", "トシ", "Toshi"), ("静子", "シズコ", "Shizuko"), ("久子", "ヒサコ", "Hisako"),
)
YOUNG_MALE = (
    ("蓮", "レン", "Ren"), ("大翔", "ヒロト", "Hiroto"), ("悠真", "ユウマ", "Yuma"),
    ("湊", "ミナト", "Minato"), ("陽翔", "ハルト", "Haruto"), ("颯太", "ソウタ", "Sota"),
    ("樹", "イツキ", "Itsuki"), ("大和", "ヤマト", "Yamato"), ("悠人", "ユウト", "Yuto"),
    ("陸", "リク", "Riku"), ("律", "リツ", "Ritsu"), ("蒼", "アオイ", "Aoi"),
)
YOUNG_FEMALE = (
    ("陽葵", "ヒマリ", "Himari"), ("凛", "リン", "Rin"), ("結菜", "ユイナ", "Yuina"),
    ("葵", "アオイ", "Aoi"), ("芽依", "メイ", "Mei"), ("さくら", "サクラ", "Sakura"),
    ("紬", "ツムギ", "Tsumugi"), ("結愛", "ユア", "Yua"), ("美咲", "ミサキ", "Misaki"),
    ("莉子", "リコ", "Riko"), ("心春", "コハル", "Koharu"), ("杏", "アン", "An"),
)

# Age pyramid of a regional Japanese city (share of residents per 5-year band, 0-4 .. 100+),
# shaped after Akita City's census figures; used to check the generated city, not to draw.
AGE_BANDS = (3.3, 3.8, 4.1, 4.3, 4.2, 4.0, 4.6, 5.3, 6.2, 7.3, 6.8, 6.5, 6.6, 7.6, 8.0, 5.8,
             4.8, 3.4, 1.7, 0.5, 0.05)


class ForeignName(NamedTuple):
    alpha: str  # as on the residence card, upper case
    kana: str
    kanji: str = ""  # registered kanji name (漢字圏) or ""


class Nationality(NamedTuple):
    code: str
    name: str
    families: tuple[ForeignName, ...]
    male: tuple[ForeignName, ...]
    female: tuple[ForeignName, ...]


F = ForeignName
NATIONALITIES: dict[str, Nationality] = {
    "CN": Nationality(
        "CN", "中国",
        (F("WANG", "ワン", "王"), F("LI", "リ", "李"), F("ZHANG", "チャン", "張"),
         F("LIU", "リュウ", "劉"), F("CHEN", "チェン", "陳"), F("YANG", "ヤン", "楊")),
        (F("WEI", "ウェイ", "偉"), F("QIANG", "チアン", "強"), F("LEI", "レイ", "磊"), F("JUN", "ジュン", "軍")),
        (F("FANG", "ファン", "芳"), F("LI", "リー", "麗"), F("JING", "ジン", "静"), F("MIN", "ミン", "敏")),
    ),
    "KR": Nationality(
        "KR", "韓国",
        (F("KIM", "キム", "金"), F("LEE", "イ", "李"), F("PARK", "パク", "朴"), F("CHOI", "チェ", "崔")),
        (F("YONGCHOL", "ヨンチョル", "英哲"), F("SUNGHO", "ソンホ", "成浩"), F("MINSU", "ミンス", "民洙")),
        (F("SUNJA", "スンジャ", "順子"), F("YONGHI", "ヨンヒ", "英姫"), F("MIJA", "ミジャ", "美子")),
    ),
    "VN": Nationality(
        "VN", "ベトナム",
        (F("NGUYEN", "グエン"), F("TRAN", "チャン"), F("LE", "レ"), F("PHAM", "ファム"),
         F("HOANG", "ホアン"), F("VU", "ヴー")),
        (F("VAN AN", "ヴァン　アン"), F("DUC MINH", "ドゥック　ミン"), F("VAN HUNG", "ヴァン　フン")),
        (F("THI HOA", "ティ　ホア"), F("THI LAN", "ティ　ラン"), F("THU TRANG", "トゥー　チャン")),
    ),
    "PH": Nationality(
        "PH", "フィリピン",
        (F("SANTOS", "サントス"), F("REYES", "レイエス"), F("CRUZ", "クルス"), F("GARCIA", "ガルシア"),
         F("BAUTISTA", "バウティスタ")),
        (F("JOSE", "ホセ"), F("MARK", "マーク"), F("JOHN PAUL", "ジョン　ポール")),
        (F("MARIA", "マリア"), F("JOY", "ジョイ"), F("ANGELICA", "アンジェリカ")),
    ),
    "NP": Nationality(
        "NP", "ネパール",
        (F("GURUNG", "グルン"), F("TAMANG", "タマン"), F("SHRESTHA", "シュレスタ"), F("RAI", "ライ")),
        (F("RAM", "ラム"), F("BIKASH", "ビカス"), F("SURESH", "スレシュ")),
        (F("SITA", "シータ"), F("ANITA", "アニタ"), F("SABINA", "サビナ")),
    ),
    "US": Nationality(
        "US", "米国",
        (F("SMITH", "スミス"), F("JOHNSON", "ジョンソン"), F("BROWN", "ブラウン"), F("MILLER", "ミラー")),
        (F("JOHN", "ジョン"), F("MICHAEL", "マイケル"), F("DAVID", "デイビッド")),
        (F("EMILY", "エミリー"), F("SARAH", "サラ"), F("JESSICA", "ジェシカ")),
    ),
    "ID": Nationality(
        "ID", "インドネシア",
        (F("SAPUTRA", "サプトラ"), F("WIJAYA", "ウィジャヤ"), F("SETIAWAN", "セティアワン")),
        (F("AGUS", "アグス"), F("BUDI", "ブディ"), F("RIZKY", "リズキー")),
        (F("SITI", "シティ"), F("DEWI", "デウィ"), F("PUTRI", "プトリ")),
    ),
    "BR": Nationality(
        "BR", "ブラジル",
        (F("SILVA", "シルバ"), F("OLIVEIRA", "オリベイラ"), F("SOUZA", "ソウザ")),
        (F("LUCAS", "ルーカス"), F("PEDRO", "ペドロ"), F("RAFAEL", "ハファエル")),
        (F("ANA", "アナ"), F("JULIANA", "ジュリアナ"), F("CAMILA", "カミラ")),
    ),
}

# Japanese aliases (通称) taken by special permanent residents: family and given names.
KOREAN_ALIAS_FAMILIES = (("金田", "カネダ"), ("新井", "アライ"), ("高山", "タカヤマ"), ("岩本", "イワモト"))
KOREAN_ALIAS_MALE = (("英男", "ヒデオ"), ("成男", "シゲオ"), ("正夫", "マサオ"))
KOREAN_ALIAS_FEMALE = (("順子", "ジュンコ"), ("英子", "エイコ"), ("美子", "ヨシコ"))

# Other municipalities residents moved in from or out to (previous and destination addresses).
OTHER_AKITA_CITIES = ("秋田県能代市", "秋田県横手市", "秋田県大館市", "秋田県男鹿市", "秋田県湯沢市",
                      "秋田県由利本荘市", "秋田県潟上市", "秋田県大仙市", "秋田県北秋田市", "秋田県にかほ市")
METROPOLITAN_CITIES = ("東京都新宿区", "東京都世田谷区", "東京都江東区", "宮城県仙台市青葉区",
                       "神奈川県横浜市港北区", "埼玉県さいたま市大宮区", "北海道札幌市中央区",
                       "青森県弘前市", "岩手県盛岡市", "山形県山形市")

# Demo timeline anchors.
MIGRATION_DATE = (1994, 3, 1)  # records made before this were loaded by a system migration
FOREIGN_REGISTER_START = (2012, 7, 9)  # 改正住基法施行: foreign residents' records begin
