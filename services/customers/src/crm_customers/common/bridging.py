"""A key that meets across scripts: 北京华强科技有限公司 and "Huaqiang Tech Co., Ltd." are
one company written twice.

A name reduces to its trade name in pinyin plus its industry words in English:
`huaqiang|tech` for both. Legal forms, a leading region (北京, "Beijing") and branch remarks
are dropped, because English names usually leave the city out. The key carries its script
(`han:` / `latin:`) and is only compared with the other script's: two Chinese names are
compared by `company_key`, which keeps the region (深圳华强 and 北京华强 stay apart).
"""

import re
import unicodedata

from pypinyin import lazy_pinyin

from crm_customers.common.normalize import company_key

# Chinese industry words and the English word an English name would use for them.
_INDUSTRY_HAN = {
    "科技": "tech",
    "技术": "tech",
    "高科技": "tech",
    "贸易": "trading",
    "商贸": "trading",
    "进出口": "trading",
    "电子": "electronics",
    "实业": "industrial",
    "工业": "industrial",
    "网络": "network",
    "信息": "info",
    "软件": "software",
    "医药": "pharma",
    "物流": "logistics",
    "咨询": "consulting",
    "传媒": "media",
    "食品": "food",
    "建设": "construction",
    "建筑": "construction",
    "能源": "energy",
    "新能源": "energy",
    "投资": "investment",
    "汽车": "auto",
    "机械": "machinery",
    "化工": "chemical",
    "教育": "education",
    "电器": "electric",
    "电气": "electric",
    "通信": "telecom",
    "生物": "bio",
    "环保": "environmental",
    "制造": "manufacturing",
    "设备": "equipment",
    "材料": "materials",
    "国际": "international",
    "控股": "holdings",
    "发展": "development",
    "服务": "services",
    "智能": "smart",
    "数据": "data",
    "医疗": "medical",
    "健康": "health",
    "金融": "finance",
    "地产": "realestate",
    "房地产": "realestate",
    "置业": "realestate",
    "酒店": "hotel",
    "纺织": "textile",
    "服饰": "apparel",
    "家居": "home",
    "仪器": "instruments",
    "精密": "precision",
}
_INDUSTRY_LATIN = {
    "technology": "tech",
    "technologies": "tech",
    "tech": "tech",
    "hitech": "tech",
    "trading": "trading",
    "trade": "trading",
    "electronic": "electronics",
    "electronics": "electronics",
    "industrial": "industrial",
    "industries": "industrial",
    "industry": "industrial",
    "network": "network",
    "networks": "network",
    "information": "info",
    "info": "info",
    "software": "software",
    "pharmaceutical": "pharma",
    "pharmaceuticals": "pharma",
    "pharma": "pharma",
    "logistics": "logistics",
    "consulting": "consulting",
    "media": "media",
    "food": "food",
    "foods": "food",
    "construction": "construction",
    "energy": "energy",
    "investment": "investment",
    "investments": "investment",
    "auto": "auto",
    "automotive": "auto",
    "automobile": "auto",
    "machinery": "machinery",
    "chemical": "chemical",
    "chemicals": "chemical",
    "education": "education",
    "electric": "electric",
    "electrical": "electric",
    "telecom": "telecom",
    "telecommunications": "telecom",
    "bio": "bio",
    "biotech": "bio",
    "environmental": "environmental",
    "manufacturing": "manufacturing",
    "equipment": "equipment",
    "materials": "materials",
    "international": "international",
    "holdings": "holdings",
    "holding": "holdings",
    "development": "development",
    "services": "services",
    "service": "services",
    "smart": "smart",
    "data": "data",
    "medical": "medical",
    "health": "health",
    "healthcare": "health",
    "finance": "finance",
    "financial": "finance",
    "realestate": "realestate",
    "properties": "realestate",
    "property": "realestate",
    "hotel": "hotel",
    "hotels": "hotel",
    "textile": "textile",
    "textiles": "textile",
    "apparel": "apparel",
    "home": "home",
    "instruments": "instruments",
    "precision": "precision",
}
_LEGAL_LATIN = {
    "co",
    "company",
    "ltd",
    "limited",
    "inc",
    "corp",
    "corporation",
    "llc",
    "plc",
    "gmbh",
    "group",
    "the",
    "and",
}
# Provinces, the larger cities, and the country: a leading one is left out of the key.
_REGIONS_HAN = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
    "湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 "
    "深圳 广州 杭州 南京 苏州 成都 武汉 西安 厦门 青岛 大连 宁波 无锡 东莞 佛山 长沙 郑州 "
    "济南 合肥 福州 沈阳 哈尔滨 长春 昆明 南宁 珠海 中山 惠州 常州 温州 石家庄 太原 南昌 "
    "贵阳 兰州 乌鲁木齐 呼和浩特 海口 三亚 烟台 泉州 绍兴 嘉兴 金华 台州 徐州 南通 扬州 "
    "中国"
).split()
_REGION_SUFFIXES = ("特别行政区", "自治区", "省", "市")
_REGIONS_LATIN = {"".join(lazy_pinyin(r)) for r in _REGIONS_HAN} | {
    "shaanxi",
    "harbin",
    "xian",
    "urumqi",
    "hohhot",
    "macau",
    "macao",
    "hongkong",
    "china",
    "prc",
}
MAX_KEY = 300
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORDS = re.compile(r"[a-z0-9]+")


def bridge_key(name: str) -> str | None:
    """`han:<key>` or `latin:<key>`, or None for a name with nothing left to compare."""
    if _HAN.search(name):
        core, industries = _han_parts(company_key(name))
        script = "han"
    else:
        core, industries = _latin_parts(name)
        script = "latin"
    if len(core) < 2:
        return None
    # Pinyin is ~5 times longer than the characters: cap it at the column's width (a key
    # that long is compared by its first MAX_KEY characters, on both sides alike).
    return f"{script}:{core}|{','.join(industries)}"[:MAX_KEY]


def other_script(key: str) -> str:
    script, _, rest = key.partition(":")
    return f"{'latin' if script == 'han' else 'han'}:{rest}"


def _han_parts(key: str) -> tuple[str, list[str]]:
    for region in sorted(_REGIONS_HAN, key=len, reverse=True):
        if key.startswith(region) and len(key) > len(region) + 1:
            key = key[len(region) :]
            for suffix in _REGION_SUFFIXES:
                key = key.removeprefix(suffix)
            break
    industries: list[str] = []
    words = sorted(_INDUSTRY_HAN, key=len, reverse=True)
    stripped = True
    while stripped:
        stripped = False
        for word in words:
            if key.endswith(word) and len(key) > len(word):
                industries.insert(0, _INDUSTRY_HAN[word])
                key = key[: -len(word)]
                stripped = True
                break
    core = "".join(lazy_pinyin(key)).casefold()
    return re.sub(r"[^a-z0-9]", "", core), _unique(industries)


def _latin_parts(name: str) -> tuple[str, list[str]]:
    folded = unicodedata.normalize("NFKC", name).casefold()
    folded = re.sub(r"\([^)]*\)", " ", folded).replace("hong kong", "hongkong")
    tokens = [t for t in _WORDS.findall(folded) if t not in _LEGAL_LATIN]
    while len(tokens) > 1 and tokens[0] in _REGIONS_LATIN:
        tokens = tokens[1:]
    industries: list[str] = []
    while len(tokens) > 1 and tokens[-1] in _INDUSTRY_LATIN:
        industries.insert(0, _INDUSTRY_LATIN[tokens.pop()])
    return "".join(tokens), _unique(industries)


def _unique(words: list[str]) -> list[str]:
    return list(dict.fromkeys(words))
