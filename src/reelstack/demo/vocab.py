"""Words the demo corpus speaks: names, topic phrases, templates and hashtags in six languages.

Kept apart from the logic in ``captions`` so a reviewer can read (and correct) the languages in
one place. Languages: en, zh (Simplified), th, vi, id, ms. ``{s}`` is a topic phrase, ``{S}`` the
same phrase capitalised, ``{n}`` a small number.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh", "th", "vi", "id", "ms")
LANGUAGE_WEIGHTS = {"en": 0.32, "id": 0.16, "vi": 0.15, "zh": 0.13, "th": 0.12, "ms": 0.12}
ESPEAK_VOICES = {"en": "en-us", "zh": "cmn", "th": "th", "vi": "vi", "id": "id", "ms": "ms"}

# (ASCII handle stem, display name) per language.
NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("emma", "Emma Clarke"), ("jake", "Jake Miller"), ("olivia", "Olivia Brown"),
        ("noah", "Noah Wilson"), ("mia", "Mia Turner"), ("leo", "Leo Harris"),
        ("chloe", "Chloe Adams"), ("sam", "Sam Rivera"), ("grace", "Grace Lee"),
        ("ethan", "Ethan Cole"),
    ),
    "zh": (
        ("xiaolin", "小林"), ("meimei", "美美"), ("ahao", "阿豪"), ("lili", "莉莉"),
        ("dawei", "大伟"), ("tingting", "婷婷"), ("xiaoyu", "小雨"),
    ),
    "th": (
        ("mind", "มายด์"), ("ploy", "พลอย"), ("bank", "แบงค์"), ("fern", "เฟิร์น"),
        ("ton", "ต้น"), ("praew", "แพรว"),
    ),
    "vi": (
        ("minhanh", "Minh Anh"), ("linh", "Linh Trần"), ("huy", "Huy Nguyễn"),
        ("trang", "Trang Lê"), ("duc", "Đức Phạm"), ("thaovy", "Thảo Vy"),
    ),
    "id": (
        ("sari", "Sari Wulandari"), ("budi", "Budi Santoso"), ("dewi", "Dewi Lestari"),
        ("rizky", "Rizky Pratama"), ("putri", "Putri Ayu"), ("agus", "Agus Setiawan"),
    ),
    "ms": (
        ("aisyah", "Aisyah Rahman"), ("hafiz", "Hafiz Ismail"), ("nurul", "Nurul Huda"),
        ("amir", "Amir Hakim"), ("siti", "Siti Zulaikha"), ("farah", "Farah Aziz"),
    ),
}  # fmt: skip

# Topic phrase per language (what the post is about, as a creator would say it).
SUBJECT: dict[str, dict[str, str]] = {
    "pets": {"en": "my cat", "zh": "我家猫咪", "th": "แมวของฉัน", "vi": "con mèo nhà tôi",
             "id": "kucingku", "ms": "kucing saya"},
    "food": {"en": "my morning coffee", "zh": "早晨的咖啡", "th": "กาแฟยามเช้า",
             "vi": "ly cà phê buổi sáng", "id": "kopi pagi", "ms": "kopi pagi saya"},
    "travel": {"en": "this old city", "zh": "这座古城", "th": "เมืองเก่าแห่งนี้",
               "vi": "thành phố cổ này", "id": "kota tua ini", "ms": "bandar lama ini"},
    "animation": {"en": "this cartoon bunny", "zh": "这只卡通兔子", "th": "กระต่ายการ์ตูนตัวนี้",
                  "vi": "chú thỏ hoạt hình này", "id": "kelinci kartun ini",
                  "ms": "arnab kartun ini"},
    "vlog": {"en": "my drive to work", "zh": "我的通勤日常", "th": "ขับรถไปทำงาน",
             "vi": "đường lái xe đi làm", "id": "perjalanan ke kantor",
             "ms": "perjalanan ke pejabat"},
    "nature": {"en": "spring flowers", "zh": "春天的花", "th": "ดอกไม้ฤดูใบไม้ผลิ",
               "vi": "hoa mùa xuân", "id": "bunga musim semi", "ms": "bunga musim bunga"},
    "space": {"en": "outer space", "zh": "太空", "th": "อวกาศ", "vi": "vũ trụ",
              "id": "luar angkasa", "ms": "angkasa lepas"},
    "bikes": {"en": "my motorbike", "zh": "我的摩托车", "th": "มอเตอร์ไซค์ของฉัน",
              "vi": "chiếc xe máy của tôi", "id": "motor kesayanganku", "ms": "motosikal saya"},
    "animals": {"en": "this horse", "zh": "这匹马", "th": "ม้าตัวนี้", "vi": "chú ngựa này",
                "id": "kuda ini", "ms": "kuda ini"},
    "tech": {"en": "my study notes", "zh": "我的学习笔记", "th": "โน้ตสรุปของฉัน",
             "vi": "ghi chú học tập của tôi", "id": "catatan belajarku", "ms": "nota belajar saya"},
    "finance": {"en": "my coin savings", "zh": "我的存钱罐", "th": "เหรียญออมสินของฉัน",
                "vi": "tiền xu tiết kiệm của tôi", "id": "tabungan koinku",
                "ms": "simpanan syiling saya"},
    "science": {"en": "cells under the microscope", "zh": "显微镜下的细胞",
                "th": "เซลล์ใต้กล้องจุลทรรศน์", "vi": "tế bào dưới kính hiển vi",
                "id": "sel di bawah mikroskop", "ms": "sel di bawah mikroskop"},
}  # fmt: skip

# Topic hashtags: English ones (used by every language) and local ones.
TAGS: dict[str, dict[str, tuple[str, ...]]] = {
    "pets": {"en": ("cat", "catsoftiktok", "pets"), "zh": ("猫咪", "萌宠"), "th": ("แมว", "ทาสแมว"),
             "vi": ("meo", "thucung"), "id": ("kucing", "kucinglucu"), "ms": ("kucing", "kucingcomel")},
    "food": {"en": ("coffee", "foodie", "breakfast"), "zh": ("咖啡", "美食"), "th": ("กาแฟ", "อาหาร"),
             "vi": ("caphe", "amthuc"), "id": ("kopi", "kuliner"), "ms": ("kopi", "makanan")},
    "travel": {"en": ("travel", "citytrip", "wanderlust"), "zh": ("旅行", "古城"),
               "th": ("เที่ยว", "ท่องเที่ยว"), "vi": ("dulich", "phoco"),
               "id": ("jalanjalan", "traveling"), "ms": ("melancong", "cuticuti")},
    "animation": {"en": ("animation", "cartoon", "bunny"), "zh": ("动画", "卡通"),
                  "th": ("การ์ตูน", "แอนิเมชัน"), "vi": ("hoathinh", "phimhoathinh"),
                  "id": ("animasi", "kartun"), "ms": ("animasi", "kartun")},
    "vlog": {"en": ("vlog", "dayinmylife", "commute"), "zh": ("日常", "vlog"),
             "th": ("ชีวิตประจำวัน", "vlog"), "vi": ("vlog", "cuocsong"),
             "id": ("vlog", "keseharian"), "ms": ("vlog", "kehidupanharian")},
    "nature": {"en": ("flowers", "nature", "spring"), "zh": ("花", "大自然"),
               "th": ("ดอกไม้", "ธรรมชาติ"), "vi": ("hoa", "thiennhien"), "id": ("bunga", "alam"),
               "ms": ("bunga", "alamsemulajadi")},
    "space": {"en": ("space", "astronomy", "universe"), "zh": ("太空", "宇宙"),
              "th": ("อวกาศ", "ดาราศาสตร์"), "vi": ("vutru", "thienvan"),
              "id": ("luarangkasa", "astronomi"), "ms": ("angkasa", "astronomi")},
    "bikes": {"en": ("motorcycle", "bikelife", "ride"), "zh": ("摩托车", "机车"),
              "th": ("มอเตอร์ไซค์", "ไบค์เกอร์"), "vi": ("xemay", "phuot"),
              "id": ("motor", "bikers"), "ms": ("motosikal", "bikerlife")},
    "animals": {"en": ("horse", "animals", "wildlife"), "zh": ("马", "动物"), "th": ("ม้า", "สัตว์"),
                "vi": ("ngua", "dongvat"), "id": ("kuda", "hewan"), "ms": ("kuda", "haiwan")},
    "tech": {"en": ("studytok", "notes", "productivity"), "zh": ("学习", "笔记"),
             "th": ("สรุปเนื้อหา", "เรียน"), "vi": ("hoctap", "ghichu"), "id": ("belajar", "catatan"),
             "ms": ("belajar", "nota")},
    "finance": {"en": ("savings", "money", "finance"), "zh": ("理财", "存钱"),
                "th": ("ออมเงิน", "การเงิน"), "vi": ("tietkiem", "taichinh"),
                "id": ("menabung", "keuangan"), "ms": ("simpanan", "kewangan")},
    "science": {"en": ("science", "biology", "microscope"), "zh": ("科学", "生物"),
                "th": ("วิทยาศาสตร์", "ชีววิทยา"), "vi": ("khoahoc", "sinhhoc"),
                "id": ("sains", "biologi"), "ms": ("sains", "biologi")},
}  # fmt: skip

GENERIC_TAGS = {
    "en": ("fyp", "foryou", "viral"),
    "zh": ("热门", "推荐"),
    "th": ("fyp", "ฟีดดด"),
    "vi": ("xuhuong", "fyp"),
    "id": ("fyp", "viral", "fypシ"),
    "ms": ("fyp", "viralmalaysia"),
}

CAPTION_TEMPLATES = {
    "en": ("{S} never gets old", "POV: you finally found {s}", "Day {n} of posting {s}",
           "Can't stop watching {s}", "Rate {s} from 1 to 10", "Nobody talks about {s} enough"),
    "zh": ("今天分享{s}", "{s}真的太治愈了", "第{n}天记录{s}", "你们喜欢{s}吗？", "一分钟带你看{s}"),
    "th": ("วันนี้มาแชร์{s}", "ชอบ{s}มากเลย", "วันที่ {n} กับ{s}", "ใครชอบ{s}บ้าง", "ดู{s}แล้วใจฟู"),
    "vi": ("Hôm nay chia sẻ {s}", "Ngày thứ {n} với {s}", "Ai cũng mê {s}",
           "Xem {s} mà thấy chill ghê", "Mọi người thấy {s} thế nào?"),
    "id": ("Hari ini aku share {s}", "Hari ke-{n} bareng {s}", "Siapa yang suka {s}?",
           "Nonton {s} bikin adem", "Gak nyangka {s} sekeren ini"),
    "ms": ("Hari ini saya kongsi {s}", "Hari ke-{n} dengan {s}", "Siapa suka {s}?",
           "Tengok {s} rasa tenang", "Tak sangka {s} secantik ini"),
}  # fmt: skip

OVERLAY_TEMPLATES = {
    "en": ("{S}", "Day {n}: {s}", "Watch till the end", "Part {n}"),
    "zh": ("{s}", "第{n}天：{s}", "一定要看到最后", "第{n}集"),
    "th": ("{s}", "วันที่ {n} {s}", "ดูจนจบนะ", "ตอนที่ {n}"),
    "vi": ("{S}", "Ngày {n}: {s}", "Xem đến cuối nhé", "Phần {n}"),
    "id": ("{S}", "Hari ke-{n}: {s}", "Tonton sampai habis", "Bagian {n}"),
    "ms": ("{S}", "Hari ke-{n}: {s}", "Tonton sampai habis", "Bahagian {n}"),
}

SPEECH_TEMPLATES = {
    "en": ("Hi everyone, today I want to show you {s}. Follow for more.",
           "Look at {s}. Isn't it amazing?"),
    "zh": ("大家好，今天给大家看看{s}。", "你们看，{s}是不是很棒？"),
    "th": ("สวัสดีทุกคน วันนี้จะพาไปดู{s}", "ดูสิ {s} สวยมากเลย"),
    "vi": ("Xin chào mọi người, hôm nay mình sẽ cho các bạn xem {s}.",
           "Nhìn này, {s} đẹp quá phải không?"),
    "id": ("Halo semuanya, hari ini aku mau tunjukin {s}.", "Lihat deh, {s} keren banget kan?"),
    "ms": ("Hai semua, hari ini saya nak tunjukkan {s}.", "Tengok ni, {s} cantik sangat kan?"),
}  # fmt: skip

# Keywords that let a MicroLens English title stand in for a topic's caption.
TITLE_KEYWORDS = {
    "pets": ("cat", "cats", "kitten", "kitty", "dog", "puppy", "pet", "meow"),
    "food": ("coffee", "food", "eat", "eating", "cook", "cooking", "dish", "recipe", "delicious"),
    "travel": ("travel", "city", "trip", "temple", "town", "street", "scenery", "tour"),
    "animation": ("cartoon", "animation", "anime", "rabbit", "bunny", "animated"),
    "vlog": ("car", "drive", "driving", "vlog", "daily", "commute"),
    "nature": ("flower", "flowers", "garden", "nature", "grass", "tree", "bloom"),
    "space": ("space", "rocket", "moon", "stars", "astronaut", "galaxy", "planet"),
    "bikes": ("bike", "bicycle", "motorcycle", "motorbike", "cycling", "riding", "locomotive"),
    "animals": ("horse", "animal", "animals", "zoo", "bird", "panda"),
    "tech": ("study", "notes", "book", "exam", "phone", "computer", "learning"),
    "finance": ("money", "coin", "coins", "saving", "salary", "bank"),
    "science": ("science", "experiment", "cell", "biology", "lab", "microscope"),
}

# Policy-violating text (ground truth for the safety pillar). Insults are mild on purpose.
SPAM = {  # (label, text)
    "en": (("spam", "DM me to earn $500/day from home, no experience needed 💰"),
           ("scam", "Crypto giveaway! Send 0.1 ETH and get 1 ETH back instantly 🚀"),
           ("scam", "Congratulations! You won a free iPhone, claim now at bit.ly/claim-prize-now"),
           ("spam", "I made $8,000 last week with this trading bot, link in bio")),
    "zh": (("spam", "日赚500元，在家就能做，私信我！"), ("scam", "恭喜中奖！点击链接领取免费iPhone")),
    "th": (("spam", "รายได้วันละ 5,000 บาท ทำงานที่บ้าน ทักแชทเลย"),
           ("scam", "ยินดีด้วย คุณได้รับรางวัล iPhone ฟรี กดลิงก์ในไบโอ")),
    "vi": (("spam", "Kiếm 10 triệu mỗi ngày tại nhà, inbox mình ngay!"),
           ("scam", "Chúc mừng bạn trúng iPhone miễn phí, bấm link trong bio để nhận")),
    "id": (("spam", "Mau cuan 5 juta per hari dari rumah? DM aku sekarang!"),
           ("scam", "Giveaway kripto! Kirim 0,1 ETH, dapat 1 ETH balik")),
    "ms": (("spam", "Nak buat RM500 sehari dari rumah? PM saya sekarang!"),
           ("scam", "Tahniah! Anda menang iPhone percuma, tuntut di pautan dalam bio")),
}  # fmt: skip
SPAM_TAGS = ("money", "crypto", "giveaway", "free", "cuan")

ABUSE = {
    "en": ("you're such a clueless idiot, just delete your account",
           "this is trash and so are you, loser", "shut up, nobody cares about your stupid face",
           "what a pathetic clown, get lost"),
    "zh": ("你真是个白痴，赶紧删号吧", "垃圾视频，你也是个废物"),
    "th": ("ไอ้โง่ ลบแอคไปเลย", "คลิปขยะ คนทำก็ขยะ"),
    "vi": ("đồ ngốc, xóa tài khoản đi", "video rác, người làm cũng rác"),
    "id": ("dasar bodoh, hapus aja akunmu", "konten sampah, kamu juga sampah"),
    "ms": ("bodoh betul, padam je akaun kau", "video sampah, kau pun sampah"),
}  # fmt: skip

# The known-banned clip: a pirated film excerpt that every re-upload copies.
BANNED_OVERLAY = "FULL MOVIE FREE - link in bio"
BANNED_CAPTIONS = {
    "en": "Full movie free, watch before it's deleted",
    "zh": "完整版电影免费看，删前快看",
    "th": "ดูหนังเต็มเรื่องฟรี ก่อนโดนลบ",
    "vi": "Xem full phim miễn phí trước khi bị xóa",
    "id": "Nonton film full gratis sebelum dihapus",
    "ms": "Tonton filem penuh percuma sebelum dipadam",
}

ADS = (  # (topic, language, advertiser, caption, landing page, claims, call to action, ad label)
    ("food", "en", "BrewBox Coffee", "Fresh roasted beans delivered every week ☕",
     "BrewBox delivers freshly roasted single-origin coffee to your door every week. "
     "Pause or cancel any time from your account.",
     ["Roasted within 48 hours", "Free shipping on orders over $30"], "Shop now", None),
    ("food", "en", "SlimTea Pro", "Melt fat while you sleep with our miracle tea!",
     "SlimTea Pro: lose 10 kg in 7 days without diet or exercise. Doctors hate this trick. "
     "100% guaranteed results or your money back.",
     ["Lose 10 kg in 7 days", "No diet or exercise needed", "100% guaranteed"], "Order now",
     "misleading_health_claims"),
    ("bikes", "ms", "Bengkel Motor Jaya", "Servis motosikal lengkap dengan harga mampu milik",
     "Bengkel Motor Jaya menawarkan servis motosikal lengkap di Shah Alam. Mekanik bertauliah.",
     ["Servis lengkap dari RM49", "Waranti 30 hari"], "Tempah sekarang", None),
    ("finance", "id", "DanaKilat", "Pinjaman cair 5 menit tanpa cek BI checking!",
     "DanaKilat: pinjaman tunai cair dalam 5 menit, tanpa jaminan, tanpa cek riwayat kredit. "
     "Bunga mulai 0% untuk semua orang.",
     ["Cair dalam 5 menit", "Tanpa cek kredit", "Bunga 0%"], "Ajukan sekarang",
     "predatory_lending"),
)  # fmt: skip
