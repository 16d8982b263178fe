"""Templated sentence generators for German, French, Spanish, Chinese and Japanese.

The vocabularies are small and written for sluiceway. Sentences are simple but grammatical
enough for language identification and for "non-English document" filter demos.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from demo.prose import capitalize


def _w(spec: str) -> tuple[str, ...]:
    return tuple(x.replace("_", " ") for x in spec.split())


def _pairs(spec: str) -> tuple[tuple[str, str], ...]:
    """``a/b`` items -> (a, b); ``a`` alone -> (a, a)."""
    out = []
    for item in _w(spec):
        first, _, second = item.partition("/")
        out.append((first, second or first))
    return tuple(out)


# --- German -------------------------------------------------------------------------------
_DE = {
    "S": _w("der_Koch die_Lehrerin mein_Bruder unsere_Nachbarin der_Arzt die_Musikerin mein_Vater "
            "die_Gärtnerin der_Student meine_Tante der_Bäcker die_Chefin unser_Großvater die_Fahrerin"),
    # (3rd person singular, infinitive)
    "V": _pairs("kocht/kochen kauft/kaufen liest/lesen sucht/suchen braucht/brauchen findet/finden "
                "trägt/tragen bringt/bringen malt/malen repariert/reparieren bestellt/bestellen "
                "besucht/besuchen sieht/sehen öffnet/öffnen wäscht/waschen verkauft/verkaufen "
                "schreibt/schreiben plant/planen putzt/putzen vergisst/vergessen"),
    # die/das nouns and plurals only, so nominative and accusative agree
    "O": _w("das_Brot die_Suppe das_Buch die_Zeitung das_Fahrrad die_Rechnung das_Fenster die_Tür "
            "das_Auto die_Karte die_Blumen die_Äpfel das_Geschenk die_Jacke das_Konzert die_Stadt "
            "das_Museum die_Kirche das_Spiel die_Aufgabe die_Brille das_Zimmer die_Uhr das_Klavier"),
    "VI": _w("bleibt wartet arbeitet schläft sitzt lacht singt"),
    "T": _w("heute morgen_früh am_Abend jeden_Tag am_Wochenende im_Sommer nach_der_Arbeit "
            "schon_wieder im_Winter am_Montag"),
    "P": _w("im_Garten in_der_Küche auf_dem_Markt in_der_Stadt im_Büro am_See zu_Hause im_Park "
            "in_der_Schule auf_dem_Land im_Keller am_Bahnhof"),
    "A": _w("schön teuer billig neu alt groß klein lecker schwierig einfach wichtig interessant "
            "langweilig sauber kaputt warm kalt frisch gemütlich laut leise"),
    "ADV": _w("sehr ziemlich wirklich nicht immer_noch leider besonders fast"),
}
_DE_T = (
    "{S} {V} {T} {O} {P}.",
    "{T} {V} {S} {O}.",
    "{O} ist {ADV} {A}.",
    "{S} sagt, dass {O} {ADV} {A} ist.",
    "Weil {S} {O} {V}, {VI} {S} {P}.",
    "Ich glaube, {S} {V} {O} nicht.",
    "Wir {Vinf} {O} {T} {P}.",
    "Hast du {O} {P} gesehen?",
    "Es ist {A}, {O} {P} zu {Vinf}.",
    "{T} {VI} {S} lieber {P}.",
)

# --- French -------------------------------------------------------------------------------
_FR = {
    "S": _w("le_boulanger la_voisine mon_frère notre_professeur ma_grand-mère le_médecin la_musicienne "
            "un_étudiant le_jardinier ma_tante le_facteur la_directrice mon_cousin la_conductrice"),
    "V": _pairs("prépare/préparer achète/acheter regarde/regarder cherche/chercher lit/lire écrit/écrire "
                "vend/vendre aime/aimer ouvre/ouvrir nettoie/nettoyer répare/réparer visite/visiter "
                "choisit/choisir porte/porter apporte/apporter dessine/dessiner trouve/trouver "
                "prend/prendre commande/commander range/ranger"),
    # (noun phrase, gender)
    "O": _pairs("le_pain/m la_soupe/f le_livre/m la_voiture/f le_vélo/m la_lettre/f le_jardin/m "
                "la_maison/f le_journal/m la_fenêtre/f le_gâteau/m la_chanson/f le_billet/m la_carte/f "
                "le_fromage/m la_table/f le_musée/m la_plage/f le_manteau/m la_lampe/f"),
    "A": _pairs("beau/belle cher/chère nouveau/nouvelle petit/petite grand/grande délicieux/délicieuse "
                "difficile simple important/importante intéressant/intéressante propre chaud/chaude "
                "froid/froide frais/fraîche vieux/vieille bruyant/bruyante calme utile"),
    "VI": _w("reste attend travaille dort chante rit"),
    "T": _w("aujourd'hui ce_matin le_soir chaque_jour le_week-end en_été après_le_travail demain "
            "souvent parfois"),
    "P": _w("dans_la_cuisine au_marché en_ville au_bureau près_du_lac à_la_maison dans_le_parc "
            "à_l'école à_la_campagne dans_le_jardin à_la_gare"),
    "ADV": _w("très assez vraiment plutôt toujours un_peu trop"),
}
_FR_T = (
    "{S} {V} {O} {T}.",
    "{T}, {S} {V} {O} {P}.",
    "{Oa} est {ADV} {Aa}.",
    "{S} dit que {Oa} est {ADV} {Aa}.",
    "Parce que {S} {V} {O}, {S} {VI} {P}.",
    "Je pense que {S} {neV} pas {O}.",
    "Il est {Am} {deVinf} {O} {P}.",
    "Est-ce que {S} {V} {O} {T} ?",
    "{T}, {S} {VI} {P} avec {S}.",
)

# --- Spanish ------------------------------------------------------------------------------
_ES = {
    "S": _w("el_panadero la_vecina mi_hermano nuestra_profesora mi_abuela el_médico la_cantante "
            "un_estudiante el_camarero la_doctora mi_tío la_jardinera el_cartero mi_prima"),
    "V": _pairs("prepara/preparar compra/comprar mira/mirar busca/buscar lee/leer escribe/escribir "
                "vende/vender limpia/limpiar abre/abrir repara/reparar elige/elegir lleva/llevar "
                "trae/traer pinta/pintar encuentra/encontrar pide/pedir guarda/guardar cocina/cocinar "
                "necesita/necesitar"),
    "O": _pairs("el_pan/m la_sopa/f el_libro/m la_carta/f el_coche/m la_bicicleta/f el_periódico/m "
                "la_ventana/f el_pastel/m la_canción/f el_billete/m la_mesa/f el_queso/m la_casa/f "
                "el_museo/m la_playa/f el_jardín/m la_camisa/f el_abrigo/m la_lámpara/f"),
    "A": _pairs("bonito/bonita caro/cara nuevo/nueva pequeño/pequeña grande delicioso/deliciosa difícil "
                "fácil importante interesante limpio/limpia caliente frío/fría fresco/fresca viejo/vieja "
                "ruidoso/ruidosa tranquilo/tranquila útil"),
    "VI": _w("se_queda espera trabaja duerme canta se_ríe"),
    "T": _w("hoy esta_mañana por_la_tarde cada_día el_fin_de_semana en_verano después_del_trabajo "
            "mañana a_menudo a_veces"),
    "P": _w("en_la_cocina en_el_mercado en_la_ciudad en_la_oficina cerca_del_lago en_casa "
            "en_el_parque en_la_escuela en_el_campo en_el_jardín en_la_estación"),
    "ADV": _w("muy bastante realmente un_poco demasiado siempre"),
}
_ES_T = (
    "{S} {V} {O} {T}.",
    "{T}, {S} {V} {O} {P}.",
    "{Oa} es {ADV} {Aa}.",
    "{S} dice que {Oa} es {ADV} {Aa}.",
    "Como {S} {V} {O}, {S} {VI} {P}.",
    "Creo que {S} no {V} {O}.",
    "Es {Am} {Vinf} {O} {P}.",
    "¿{S} {V} {O} {T}?",
    "{T}, {S} {VI} {P} con {S}.",
)

# --- Chinese ------------------------------------------------------------------------------
_ZH = {
    "S": _w("老师 学生 我的朋友 医生 厨师 我妈妈 他的哥哥 那位司机 邻居 我们的经理 小王 李先生 张阿姨 一个孩子"),
    "T": _w("今天 昨天晚上 每天早上 周末 明天下午 去年夏天 常常 有时候 下班以后 春节的时候"),
    "P": _w("在公园里 在厨房里 在图书馆 在学校 在商店 在家里 在火车站 在医院 在饭馆 在办公室"),
    "V": _w("喜欢 准备 学习 买 看 做 找 带 打扫 修理 需要 卖 画 讨论 介绍"),
    "O": _w("新鲜的蔬菜 一本书 中文 音乐 足球比赛 一杯茶 晚饭 报纸 自行车 电脑 衣服 水果 电影 地图 照片 作业 历史 天气预报"),
    "A": _w("好 贵 便宜 有意思 难 容易 重要 干净 漂亮 热闹 安静 好吃 新"),
    "ADV": _w("很 非常 特别 比较 真 有点儿"),
}
_ZH_T = (
    "{S}{T}{P}{V}{O}。",
    "{S}觉得{O}{ADV}{A}。",
    "因为{S}{T}{V}{O}，所以{S}也{ADV}高兴。",
    "{T}{S}和{S}一起{P}{V}{O}。",
    "{S}{T}{V}{O}吗？",
    "{S}说{O}{ADV}{A}，我们应该{V}{O}。",
    "虽然{O}{ADV}{A}，但是{S}还是想{V}{O}。",
    "我{T}想{P}{V}{O}。",
)

# --- Japanese -----------------------------------------------------------------------------
_JA = {
    "S": _w("先生 学生 私の友達 医者 料理人 母 兄 田中さん 山本さん 近所の人 子供たち 店長 祖父 姉"),
    "T": _w("毎朝 昨日 今日 週末に 明日の午後 去年の夏 よく 時々 仕事の後で 朝早く"),
    "P": _w("公園で 台所で 図書館で 学校で 店で 家で 駅で 病院で レストランで 会社で"),
    "O": _w("本 新しい野菜 日本語 音楽 サッカーの試合 お茶 晩ご飯 新聞 自転車 パソコン 服 果物 映画 地図 写真 宿題 歴史 天気予報"),
    "V": _w("読みます 作ります 買います 見ます 使います 探します 持って行きます 掃除します 直します 勉強します 売ります 描きます 紹介します 準備します"),
    "A": _w("おいしい 新しい 高い 安い 面白い 難しい やさしい 楽しい 古い 大きい 小さい 珍しい"),
    "ADV": _w("とても 少し かなり 本当に ずいぶん"),
}
_JA_T = (
    "{S}は{T}{P}{O}を{V}。",
    "{O}は{ADV}{A}です。",
    "{S}は{O}が好きです。",
    "{T}、{S}と一緒に{P}{O}を{V}。",
    "{S}は{T}{O}を{V}か？",
    "{O}は{ADV}{A}ですから、{S}は{T}{O}を{V}。",
    "{S}によると、{O}は{ADV}{A}そうです。",
    "{S}は{P}{O}を{V}が、{O}は{ADV}{A}です。",
)


def _vowel(word: str) -> bool:
    return word[:1].lower() in "aeiouéèêh"


class _Templated:
    """Fills ``{SLOT}`` templates from a vocabulary dict; subclasses add derived slots."""

    sep = " "

    def __init__(self, rng: random.Random, words: dict, templates: tuple[str, ...]):
        self.rng, self.words = rng, words
        self.templates = [t.replace("{", "\0{").replace("}", "}\0").split("\0") for t in templates]

    def slot(self, name: str, state: dict) -> str:
        value = self.rng.choice(self.words[name])
        if value in state.setdefault("used", []):  # avoid "A and A" in one sentence
            value = self.rng.choice(self.words[name])
        state["used"].append(value)
        return value[0] if isinstance(value, tuple) else value

    def sentence(self) -> str:
        state: dict = {}
        parts = self.rng.choice(self.templates)
        text = "".join(self.slot(p[1:-1], state) if p.startswith("{") else p for p in parts)
        lead = len(text) - len(text.lstrip("¿¡"))
        return text[:lead] + capitalize(text[lead:])

    def document(self, min_paragraphs: int = 2, max_paragraphs: int = 4) -> str:
        rng = self.rng
        paras = [self.sep.join(self.sentence() for _ in range(rng.randint(3, 7)))
                 for _ in range(rng.randint(min_paragraphs, max_paragraphs))]
        return "\n\n".join(paras)


class _German(_Templated):
    def slot(self, name: str, state: dict) -> str:
        if name in ("V", "Vinf"):
            verb = self.rng.choice(self.words["V"])
            return verb[0] if name == "V" else verb[1]
        return super().slot(name, state)


class _Romance(_Templated):
    """French and Spanish: gender agreement for predicative adjectives, elision in French."""

    def __init__(self, rng: random.Random, words: dict, templates: tuple[str, ...], french: bool):
        super().__init__(rng, words, templates)
        self.french = french

    def slot(self, name: str, state: dict) -> str:
        rng, w = self.rng, self.words
        if name == "Oa":
            noun, gender = rng.choice(w["O"])
            state["gender"] = gender
            return noun
        if name == "Aa":
            masc, fem = rng.choice(w["A"])
            return fem if state.get("gender") == "f" else masc
        if name == "Am":
            return rng.choice(w["A"])[0]
        if name in ("Vinf", "deVinf"):
            inf = rng.choice(w["V"])[1]
            if name == "deVinf":
                return ("d'" if _vowel(inf) else "de ") + inf
            return inf
        if name == "neV":
            verb = rng.choice(w["V"])[0]
            return ("n'" if _vowel(verb) else "ne ") + verb
        return super().slot(name, state)


class _CJK(_Templated):
    sep = ""


GENERATORS: dict[str, Callable[[random.Random], _Templated]] = {
    "de": lambda rng: _German(rng, _DE, _DE_T),
    "fr": lambda rng: _Romance(rng, _FR, _FR_T, french=True),
    "es": lambda rng: _Romance(rng, _ES, _ES_T, french=False),
    "zh": lambda rng: _CJK(rng, _ZH, _ZH_T),
    "ja": lambda rng: _CJK(rng, _JA, _JA_T),
}
LANGUAGES: tuple[str, ...] = tuple(GENERATORS)


def generator(lang: str, rng: random.Random) -> _Templated:
    """A sentence/document generator for ``lang`` (one of :data:`LANGUAGES`)."""
    return GENERATORS[lang](rng)
