"""Seeded generator of scam captions and of ordinary captions, in several languages.

The SMS Spam Collection teaches what 2012 text-message spam looks like; short-video scams
look different (crypto giveaways "from" celebrities, fake prize claims, phishing links,
advance-fee stories, earn-from-home and investment schemes). These templates add that
shape, and ordinary captions (food, travel, pets, sport, study...) in the same languages,
including hard negatives (real crypto news, real job ads, real giveaways of a mug), so the
model learns the scam, not "anything that is not an SMS" or "anything not in English".

Everything is drawn from one ``random.Random(seed)``: the same seed gives the same rows.
"""

from __future__ import annotations

import random
import re
import string

# Slots shared by every language.
_COINS = ["BTC", "ETH", "USDT", "SOL", "DOGE", "BNB", "XRP", "bitcoin", "ethereum", "crypto"]
_CELEBS = ["Elon", "Elon Musk", "MrBeast", "Vitalik", "CZ", "Cristiano", "Taylor", "Mark C."]
_BRANDS = ["Apple", "Amazon", "PayPal", "Netflix", "Shopee", "Lazada", "Binance", "DHL",
           "Walmart", "Samsung", "TikTok", "Instagram", "Coinbase", "MetaMask"]  # fmt: skip
_PRIZES = ["iPhone 17 Pro", "PS5", "MacBook", "Tesla Model 3", "$1000 gift card", "Rolex",
           "Samsung S25", "AirPods", "€500 voucher", "Dyson"]  # fmt: skip
_TLDS = [".xyz", ".top", ".click", ".live", ".win", ".icu", ".site", ".online", ".vip", ".co"]
_SHORT = ["bit.ly/", "tinyurl.com/", "t.ly/", "cutt.ly/", "rb.gy/", "is.gd/"]
_EMOJI_SCAM = ["🚀", "💰", "🔥", "🎁", "💎", "✅", "⚡", "🤑", "📈", "‼️", "👇", "💸"]
_EMOJI_OK = ["😋", "🌅", "🐶", "😂", "❤️", "✨", "🙌", "🍜", "⚽", "🎶", "📚", "🌿"]
_TAGS_OK = ["#fyp", "#foryou", "#viral", "#reels", "#weekend", "#daily", "#vlog", "#love"]
_TAGS_SCAM = ["#crypto", "#bitcoin", "#giveaway", "#money", "#passiveincome", "#forex",
              "#freemoney", "#airdrop", "#investing", "#wealth"]  # fmt: skip


def _url(rng: random.Random, brand: str | None = None) -> str:
    code = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(6))
    if rng.random() < 0.35:
        return rng.choice(_SHORT) + code
    stem = (brand or rng.choice(_BRANDS)).lower()
    word = rng.choice(["claim", "verify", "gift", "bonus", "secure", "login", "reward", "promo"])
    host = rng.choice([f"{stem}-{word}", f"{word}-{stem}", f"{stem}{word}{rng.randint(1, 99)}"])
    scheme = rng.choice(["", "https://", "http://", "www."])
    return f"{scheme}{host}{rng.choice(_TLDS)}/{code}"


def _phone(rng: random.Random) -> str:
    return rng.choice(["+1", "+44", "+62", "+60", "+84", "+234", "+55", "+34", "0"]) + "".join(
        str(rng.randint(0, 9)) for _ in range(rng.randint(8, 10))
    )


# Per language: scam templates by kind, then word fillers. {slots} are filled from the shared
# lists above or from the language's own ``words``.
SCAMS: dict[str, dict[str, list[str]]] = {
    "en": {
        "crypto": [
            "{celeb} is giving away {big} {coin}! Send {small} {coin} to the wallet in bio and get {x}x back instantly",
            "OFFICIAL {coin} GIVEAWAY 🚀 first 500 people to send {small} {coin} receive double. Only {hours} hours left: {url}",
            "I sent {small} {coin} and got {small2} back in 10 minutes!! {celeb} giveaway is real, link: {url}",
            "Celebrating {big} followers: {celeb} will double any {coin} you send. Wallet address in my bio",
            "Free {coin} airdrop live now 🎁 connect your wallet at {url} to claim {big} tokens",
            "Send {coin} to this address and receive 2X back, limited time event by {brand}",
        ],
        "prize": [
            "Congratulations! You have been selected to win a {prize}. Claim now at {url} before it expires",
            "🎁 You are our lucky winner today! Your {prize} is waiting, pay only ${fee} shipping at {url}",
            "FINAL NOTICE: your {brand} reward of a {prize} is unclaimed. Verify here {url}",
            "Winner announced!! DM me your card details to receive your {prize} from {brand}",
            "Spin the wheel and win a {prize} 100% guaranteed, tap the link in bio 👇",
        ],
        "phishing": [
            "Your {brand} account has been suspended. Verify your identity within 24h: {url}",
            "Unusual sign-in detected on your {brand} account, confirm your password at {url}",
            "{brand}: your package could not be delivered. Pay ${fee} redelivery fee here {url}",
            "Your {brand} payment failed, update your billing details now or lose access: {url}",
            "Security alert: someone tried to log in to your {brand} wallet, restore access at {url}",
        ],
        "advance_fee": [
            "Dear friend, I am a bank manager with ${big_money} unclaimed funds. I need your help to transfer it, you keep {pct}%. Reply with your bank details",
            "You have inherited ${big_money} from a distant relative. Send ${fee} processing fee to release the funds",
            "Your loan of ${big_money} is approved with no credit check, just pay the ${fee} insurance fee first. WhatsApp {phone}",
            "Customs is holding your parcel with a gift of ${big_money}. Pay ${fee} clearance to {phone}",
        ],
        "job": [
            "Work from home and earn ${daily} per day just liking videos! No experience needed, DM me or WhatsApp {phone}",
            "Hiring now: earn ${daily} daily with only your phone 📱 1-2 hours a day. Message {phone}",
            "I quit my 9-5 and make ${daily}/day with this simple app, link in bio, only 20 spots left",
            "Part-time job: rate products online and get paid ${daily} a day. Register at {url}",
            "Become a product tester, earn ${daily} a day from home, just pay a ${fee} registration fee",
        ],
        "investment": [
            "Turn ${fee} into ${big_money} in 7 days with our {coin} trading bot, guaranteed profit 📈 {url}",
            "My forex mentor made me ${big_money} in one week. Invest ${fee} and get {pct}% daily returns, DM now",
            "Guaranteed {pct}% weekly returns, zero risk. Join our VIP signal group: {url}",
            "This {coin} coin will 100x tomorrow, buy now before it is too late 🚀 presale at {url}",
            "Double your money in 24 hours with my investment plan, proof in comments, WhatsApp {phone}",
        ],
    },
    "es": {
        "crypto": [
            "¡{celeb} regala {big} {coin}! Envía {small} {coin} a la billetera de mi perfil y recibe el doble",
            "SORTEO OFICIAL de {coin} 🚀 los primeros 500 que envíen {small} {coin} reciben el doble: {url}",
            "Airdrop gratis de {coin}, conecta tu billetera en {url} y reclama {big} tokens",
        ],
        "prize": [
            "¡Felicidades! Has ganado un {prize}. Reclámalo ahora en {url} antes de que caduque",
            "Eres nuestro ganador del día 🎁 tu {prize} te espera, solo paga ${fee} de envío en {url}",
            "Ganaste un {prize} de {brand}, envíame tus datos de tarjeta por DM para recibirlo",
        ],
        "phishing": [
            "Tu cuenta de {brand} ha sido suspendida. Verifica tu identidad en 24 horas: {url}",
            "{brand}: tu paquete no pudo ser entregado, paga ${fee} aquí {url}",
            "Alerta de seguridad en tu cuenta {brand}, confirma tu contraseña en {url}",
        ],
        "advance_fee": [
            "Heredaste ${big_money} de un familiar lejano. Envía ${fee} de gastos para liberar el dinero",
            "Préstamo de ${big_money} aprobado sin buró, solo paga ${fee} de seguro por adelantado. WhatsApp {phone}",
        ],
        "job": [
            "Trabaja desde casa y gana ${daily} al día solo dando like a videos, escríbeme al {phone}",
            "Empleo fácil: gana ${daily} diarios con tu celular, sin experiencia. Regístrate en {url}",
        ],
        "investment": [
            "Convierte ${fee} en ${big_money} en 7 días con nuestro bot de {coin}, ganancia garantizada 📈 {url}",
            "Rendimiento garantizado del {pct}% semanal sin riesgo, únete al grupo VIP: {url}",
            "Duplica tu dinero en 24 horas con mi plan de inversión, escríbeme al {phone}",
        ],
    },
    "pt": {
        "crypto": [
            "{celeb} está doando {big} {coin}! Envie {small} {coin} para a carteira do meu perfil e receba o dobro",
            "Airdrop grátis de {coin} 🎁 conecte sua carteira em {url} e resgate {big} tokens",
        ],
        "prize": [
            "Parabéns! Você ganhou um {prize}. Resgate agora em {url} antes que expire",
            "Você foi sorteado 🎁 seu {prize} está esperando, pague só R${fee} de frete em {url}",
        ],
        "phishing": [
            "Sua conta {brand} foi bloqueada. Confirme seus dados em 24h: {url}",
            "{brand}: sua encomenda está retida, pague a taxa de R${fee} aqui {url}",
        ],
        "advance_fee": [
            "Você tem R${big_money} de herança para receber, pague R${fee} de taxa para liberar",
        ],
        "job": [
            "Trabalhe de casa e ganhe R${daily} por dia só curtindo vídeos! Chama no zap {phone}",
            "Renda extra: ganhe R${daily} por dia pelo celular, vagas limitadas, cadastro em {url}",
        ],
        "investment": [
            "Transforme R${fee} em R${big_money} em 7 dias com nosso robô de {coin}, lucro garantido {url}",
            "Rendimento garantido de {pct}% ao dia, sem risco, entre no grupo VIP: {url}",
        ],
    },
    "fr": {
        "crypto": [
            "{celeb} offre {big} {coin} ! Envoie {small} {coin} au portefeuille dans ma bio et reçois le double",
            "Airdrop gratuit de {coin} 🎁 connecte ton portefeuille sur {url} pour réclamer {big} jetons",
        ],
        "prize": [
            "Félicitations ! Vous avez gagné un {prize}. Réclamez-le sur {url} avant expiration",
            "Tu es notre gagnant du jour 🎁 ton {prize} t'attend, paie juste {fee}€ de livraison sur {url}",
        ],
        "phishing": [
            "Votre compte {brand} est suspendu. Vérifiez votre identité sous 24h : {url}",
            "{brand} : votre colis est bloqué, réglez {fee}€ de frais ici {url}",
        ],
        "advance_fee": [
            "Vous héritez de {big_money}€ d'un parent éloigné, envoyez {fee}€ de frais de dossier pour débloquer les fonds",
        ],
        "job": [
            "Travaille depuis chez toi et gagne {daily}€ par jour juste en likant des vidéos, écris-moi au {phone}",
        ],
        "investment": [
            "Transforme {fee}€ en {big_money}€ en 7 jours avec notre robot {coin}, profit garanti 📈 {url}",
            "Rendement garanti de {pct}% par semaine sans risque, rejoins le groupe VIP : {url}",
        ],
    },
    "de": {
        "crypto": [
            "{celeb} verschenkt {big} {coin}! Sende {small} {coin} an die Wallet in meiner Bio und erhalte das Doppelte",
            "Gratis {coin} Airdrop 🎁 verbinde deine Wallet auf {url} und hol dir {big} Token",
        ],
        "prize": [
            "Glückwunsch! Sie haben ein {prize} gewonnen. Jetzt einlösen unter {url}",
            "Du bist unser Gewinner 🎁 dein {prize} wartet, zahle nur {fee}€ Versand auf {url}",
        ],
        "phishing": [
            "Ihr {brand}-Konto wurde gesperrt. Bestätigen Sie Ihre Daten innerhalb von 24 Stunden: {url}",
            "{brand}: Ihr Paket konnte nicht zugestellt werden, zahlen Sie {fee}€ Gebühr hier {url}",
        ],
        "advance_fee": [
            "Sie erben {big_money}€ von einem entfernten Verwandten, überweisen Sie {fee}€ Bearbeitungsgebühr",
        ],
        "job": [
            "Von zu Hause arbeiten und {daily}€ am Tag verdienen, nur Videos liken! Schreib mir auf WhatsApp {phone}",
        ],
        "investment": [
            "Aus {fee}€ werden {big_money}€ in 7 Tagen mit unserem {coin} Trading-Bot, garantierter Gewinn {url}",
            "Garantiert {pct}% Rendite pro Woche ohne Risiko, tritt der VIP-Gruppe bei: {url}",
        ],
    },
    "id": {
        "crypto": [
            "{celeb} bagi-bagi {big} {coin}! Kirim {small} {coin} ke dompet di bio dan dapatkan 2x lipat",
            "Airdrop {coin} gratis 🎁 hubungkan dompetmu di {url} dan klaim {big} token",
        ],
        "prize": [
            "Selamat! Anda memenangkan {prize}. Klaim sekarang di {url} sebelum hangus",
            "Kamu pemenang hari ini 🎁 {prize} menunggumu, cukup bayar ongkir Rp{fee}.000 di {url}",
        ],
        "phishing": [
            "Akun {brand} Anda diblokir. Verifikasi data Anda dalam 24 jam: {url}",
            "{brand}: paket Anda tertahan, bayar biaya Rp{fee}.000 di sini {url}",
        ],
        "advance_fee": [
            "Pinjaman Rp{big_money} juta cair tanpa BI checking, cukup transfer biaya admin Rp{fee}.000 dulu. WA {phone}",
        ],
        "job": [
            "Kerja dari rumah, gaji Rp{daily}.000 per hari cuma like video! Hubungi WA {phone}",
            "Lowongan kerja online, penghasilan Rp{daily}.000 sehari dari HP, daftar di {url}",
        ],
        "investment": [
            "Modal Rp{fee}.000 jadi Rp{big_money} juta dalam 7 hari dengan robot trading {coin}, profit pasti {url}",
            "Profit {pct}% per hari dijamin tanpa risiko, gabung grup VIP: {url}",
        ],
    },
    "ms": {
        "prize": [
            "Tahniah! Anda menang {prize}. Tuntut sekarang di {url} sebelum tamat tempoh",
        ],
        "job": [
            "Kerja dari rumah, dapat RM{daily} sehari hanya like video! WhatsApp {phone}",
        ],
        "investment": [
            "Pelaburan {coin} pulangan {pct}% sehari dijamin tanpa risiko, sertai kumpulan VIP: {url}",
        ],
    },
    "vi": {
        "crypto": [
            "{celeb} đang tặng {big} {coin}! Gửi {small} {coin} vào ví trong bio để nhận lại gấp đôi",
        ],
        "prize": [
            "Chúc mừng! Bạn đã trúng {prize}. Nhận thưởng ngay tại {url} trước khi hết hạn",
            "Bạn là người may mắn hôm nay 🎁 {prize} đang chờ bạn, chỉ cần trả {fee}.000đ phí ship tại {url}",
        ],
        "phishing": [
            "Tài khoản {brand} của bạn đã bị khóa. Xác minh danh tính trong 24 giờ: {url}",
        ],
        "job": [
            "Việc làm tại nhà, kiếm {daily}.000đ mỗi ngày chỉ cần thả tim video! Liên hệ Zalo {phone}",
        ],
        "investment": [
            "Đầu tư {coin} lợi nhuận {pct}% mỗi ngày, cam kết không rủi ro, vào nhóm VIP: {url}",
        ],
    },
    "zh": {
        "crypto": [
            "{celeb}正在赠送{big}个{coin}！发送{small}个{coin}到我主页的钱包地址，立即双倍返还",
        ],
        "prize": [
            "恭喜您！您已被选中获得{prize}一台，请在{url}领取，过期作废",
            "您是今天的幸运用户🎁 {prize}等你拿，只需支付{fee}元运费 {url}",
        ],
        "phishing": [
            "您的{brand}账户已被冻结，请在24小时内验证身份：{url}",
        ],
        "job": [
            "在家兼职，每天点赞视频轻松赚{daily}元！无需经验，加微信{phone}",
        ],
        "investment": [
            "{coin}量化机器人，保证每天收益{pct}%，零风险，加入VIP群：{url}",
            "稳赚不赔！投资{fee}元七天变{big_money}元，私信我",
        ],
    },
    "th": {
        "prize": [
            "ยินดีด้วย! คุณได้รับรางวัล {prize} กดรับได้ที่ {url} ก่อนหมดเขต",
        ],
        "job": [
            "งานออนไลน์ทำที่บ้าน รายได้วันละ {daily}00 บาท แค่กดไลก์วิดีโอ ติดต่อไลน์ {phone}",
        ],
        "investment": [
            "ลงทุน {coin} กำไร {pct}% ต่อวัน การันตีไม่มีความเสี่ยง เข้ากลุ่ม VIP: {url}",
        ],
    },
}

# Ordinary captions, including hard negatives that share words with scams but are not scams.
NORMAL: dict[str, list[str]] = {
    "en": [
        "Made {food} for dinner tonight and it turned out amazing {e}",
        "Sunset at {place} was unreal, could sit here for hours {e}",
        "My {pet} discovered the snow for the first time {e}",
        "Quick {food} recipe: 15 minutes, 5 ingredients, zero stress",
        "Day {n} of learning guitar, finally nailed this riff {e}",
        "Leg day done. {n} squats and I can't feel anything {e}",
        "Packing for {place}, what should I not miss?",
        "Rainy Sunday, coffee and a good book {e}",
        "Tried the viral {food} from that street stall in {place}, worth the queue",
        "My grandma's secret {food} recipe, she finally let me film it",
        "POV: your {pet} hears the treat bag from three rooms away {e}",
        "Thrifted this whole outfit for under $30 {e}",
        "Bitcoin dropped {pct}% this week, here is what the chart actually shows",
        "Explaining how crypto wallets work in 60 seconds, not financial advice",
        "We're hiring baristas at our cafe in {place}, apply in store with your CV",
        "Giveaway for our 1st birthday: comment your favourite {food} and we pick a winner Friday, no purchase needed",
        "Full recipe on my blog, link in bio {e}",
        "Finally passed my driving test after {n} tries {e}",
        "Teaching my little brother to ride a bike {e}",
        "Morning routine before work: stretch, tea, {n} pages of reading",
        "Cheapest way to travel around {place} on a student budget",
        "Won the local {sport} tournament with my team today {e}",
        "Got my first paycheck from my new job, treating mum to {food}",
        "Scam alert: my aunt got a fake bank text today, never click links like that",
        "How I save money on groceries every week, {n} simple tips",
        "Watering the plants and talking to them like they're people {e}",
        "Live music in {place} tonight was incredible {e}",
        "Rate my homemade {food} from 1 to 10",
        "Cleaning my room after {n} weeks of exams",
        "Call me tonight when you get home, love you",
        "Thank you for {bignum} followers, you are the best {e}",
        "Walked {bignum} steps today exploring {place}",
        "Our cafe's order number {bignum} was a {food} with extra cheese",
        "Episode {n} is out now, part {n} tomorrow",
        "{bignum}",
        "Class of {year} reunion, {n} years later {e}",
    ],
    "es": [
        "Hice {food} para la cena y quedó increíble {e}",
        "El atardecer en {place} fue otro nivel {e}",
        "Mi {pet} viendo la nieve por primera vez {e}",
        "Receta rápida de {food}: 15 minutos y 5 ingredientes",
        "Día {n} aprendiendo guitarra, por fin me salió {e}",
        "Buscamos camareros para nuestro bar en {place}, trae tu CV",
        "Sorteo por nuestro aniversario: comenta tu {food} favorito, elegimos ganador el viernes",
        "El bitcoin bajó un {pct}% esta semana, te explico el gráfico",
        "Domingo de lluvia, café y un buen libro {e}",
        "Ganamos el torneo de {sport} del barrio {e}",
        "Gracias por los {bignum} seguidores {e}",
    ],
    "pt": [
        "Fiz {food} pro jantar e ficou maravilhoso {e}",
        "Pôr do sol em {place} é outra coisa {e}",
        "Meu {pet} vendo neve pela primeira vez {e}",
        "Receita rápida de {food} em 15 minutos",
        "Estamos contratando atendentes para a loja em {place}, mande seu currículo",
        "Sorteio de aniversário da loja: comente seu {food} favorito, resultado sexta",
        "Domingo chuvoso, café e um bom livro {e}",
        "Ganhamos o campeonato de {sport} do bairro {e}",
    ],
    "fr": [
        "J'ai fait {food} pour le dîner, une tuerie {e}",
        "Coucher de soleil à {place}, magique {e}",
        "Mon {pet} découvre la neige {e}",
        "Recette express de {food} en 15 minutes",
        "Nous recrutons des serveurs pour notre restaurant à {place}, CV en boutique",
        "Dimanche pluvieux, café et bon livre {e}",
        "Le bitcoin a perdu {pct}% cette semaine, je vous explique pourquoi",
    ],
    "de": [
        "Heute {food} gekocht und es war richtig gut {e}",
        "Sonnenuntergang in {place}, einfach wunderschön {e}",
        "Mein {pet} sieht zum ersten Mal Schnee {e}",
        "Schnelles {food} Rezept in 15 Minuten",
        "Wir suchen Aushilfen für unser Café in {place}, Bewerbung vor Ort",
        "Regnerischer Sonntag, Kaffee und ein gutes Buch {e}",
    ],
    "id": [
        "Masak {food} buat makan malam, enak banget {e}",
        "Sunset di {place} cantik sekali {e}",
        "{pet} aku lagi tidur siang {e}",
        "Resep {food} gampang cuma 15 menit",
        "Dicari barista untuk kafe kami di {place}, kirim CV langsung ke toko",
        "Hari ke-{n} belajar gitar, akhirnya bisa {e}",
        "Minggu hujan, kopi dan buku {e}",
    ],
    "ms": [
        "Masak {food} untuk makan malam, sedap sangat {e}",
        "Matahari terbenam di {place} memang cantik {e}",
        "Kucing saya tidur sepanjang hari {e}",
    ],
    "vi": [
        "Tối nay nấu {food}, ngon quá trời {e}",
        "Hoàng hôn ở {place} đẹp không tả nổi {e}",
        "Bé {pet} nhà mình lần đầu thấy tuyết {e}",
        "Công thức {food} siêu nhanh chỉ 15 phút",
        "Quán cà phê ở {place} đang tuyển nhân viên, mang CV đến quán nhé",
    ],
    "zh": [
        "今晚做了{food}，味道超棒{e}",
        "{place}的日落太美了{e}",
        "我家{pet}第一次看到雪{e}",
        "十五分钟快手{food}做法",
        "我们在{place}的咖啡店招聘店员，欢迎带简历到店",
        "比特币本周下跌了{pct}%，带你看懂走势图",
        "感谢{bignum}位粉丝的支持{e}",
    ],
    "th": [
        "วันนี้ทำ{food}กินเอง อร่อยมาก{e}",
        "พระอาทิตย์ตกที่{place}สวยมาก{e}",
        "น้องแมวนอนทั้งวันเลย{e}",
        "สูตร{food}ง่ายๆ 15 นาที",
    ],
}

_WORDS: dict[str, dict[str, list[str]]] = {
    "en": {"food": ["pasta", "ramen", "tacos", "banana bread", "curry", "pancakes", "sushi"],
           "place": ["Lisbon", "Bali", "Kyoto", "the beach", "the lake", "Hanoi", "Cape Town"],
           "pet": ["puppy", "cat", "bunny", "golden retriever", "kitten"],
           "sport": ["football", "badminton", "basketball", "volleyball", "chess"]},
    "es": {"food": ["paella", "tacos", "tortilla", "arepas", "churros"],
           "place": ["Sevilla", "Cancún", "Bariloche", "la playa", "Cusco"],
           "pet": ["perrito", "gato", "conejo"], "sport": ["fútbol", "pádel", "baloncesto"]},
    "pt": {"food": ["feijoada", "pão de queijo", "moqueca", "brigadeiro", "lasanha"],
           "place": ["Lisboa", "Florianópolis", "Porto", "Salvador"],
           "pet": ["cachorro", "gato", "coelho"], "sport": ["futsal", "vôlei", "futebol"]},
    "fr": {"food": ["une quiche", "des crêpes", "un gratin", "une tarte aux pommes"],
           "place": ["Marseille", "Annecy", "Biarritz", "Lyon"],
           "pet": ["chien", "chat", "lapin"], "sport": ["foot", "rugby"]},
    "de": {"food": ["Käsespätzle", "Apfelstrudel", "Currywurst", "Gulasch"],
           "place": ["Hamburg", "den Alpen", "Wien", "Köln"],
           "pet": ["Hund", "Kater", "Hase"], "sport": ["Fußball", "Handball"]},
    "id": {"food": ["nasi goreng", "rendang", "sate ayam", "bakso", "martabak"],
           "place": ["Bali", "Jogja", "Bandung", "Labuan Bajo"],
           "pet": ["Kucing", "Anjing", "Kelinci"], "sport": ["badminton", "futsal"]},
    "ms": {"food": ["nasi lemak", "laksa", "roti canai", "rendang"],
           "place": ["Langkawi", "Penang", "Melaka"], "pet": ["kucing"], "sport": ["badminton"]},
    "vi": {"food": ["phở bò", "bún chả", "bánh xèo", "gỏi cuốn"],
           "place": ["Đà Lạt", "Hội An", "Sa Pa", "Phú Quốc"],
           "pet": ["mèo", "cún"], "sport": ["bóng đá"]},
    "zh": {"food": ["红烧肉", "番茄炒蛋", "饺子", "麻婆豆腐"],
           "place": ["杭州", "成都", "大理", "厦门"], "pet": ["猫咪", "狗狗"], "sport": ["篮球"]},
    "th": {"food": ["ต้มยำกุ้ง", "ผัดไทย", "ส้มตำ", "ข้าวมันไก่"],
           "place": ["เชียงใหม่", "ภูเก็ต", "กระบี่"], "pet": ["แมว"], "sport": ["ฟุตบอล"]},
}  # fmt: skip

_SLOT = re.compile(r"\{(\w+)\}")


def _fill(template: str, lang: str, rng: random.Random, scam: bool) -> str:
    words = _WORDS[lang]

    def slot(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in words:
            return rng.choice(words[name])
        small = rng.choice([0.1, 0.2, 0.5, 1, 2])
        values = {
            "coin": lambda: rng.choice(_COINS),
            "celeb": lambda: rng.choice(_CELEBS),
            "brand": lambda: rng.choice(_BRANDS),
            "prize": lambda: rng.choice(_PRIZES),
            "url": lambda: _url(rng),
            "phone": lambda: _phone(rng),
            "big": lambda: str(rng.choice([1000, 5000, 10000, 50000, 100000])),
            "small": lambda: str(small),
            "small2": lambda: str(small * 2),
            "x": lambda: str(rng.choice([2, 3, 5, 10])),
            "hours": lambda: str(rng.randint(2, 48)),
            "fee": lambda: str(rng.choice([1, 2, 5, 9, 19, 25, 49, 99])),
            "big_money": lambda: f"{rng.choice([5, 10, 25, 50, 150, 850])},000",
            "daily": lambda: str(rng.choice([150, 200, 300, 500, 800])),
            "pct": lambda: str(rng.choice([3, 5, 10, 20, 30, 50])),
            "n": lambda: str(rng.randint(2, 60)),
            "bignum": lambda: str(rng.choice([10, 50, 100, 250]) * 1000 + rng.randint(0, 999)),
            "year": lambda: str(rng.randint(1990, 2024)),
            "e": lambda: rng.choice(_EMOJI_OK) if rng.random() < 0.7 else "",
        }
        return values[name]() if name in values else match.group(0)

    text = _SLOT.sub(slot, template)
    return _decorate(text, rng, scam)


_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "$"}


def _decorate(text: str, rng: random.Random, scam: bool) -> str:
    """Hashtags, emoji, casing and the odd obfuscated word, as people really post."""
    if scam and rng.random() < 0.15:  # scammers obfuscate trigger words
        words = text.split(" ")
        i = rng.randrange(len(words))
        words[i] = "".join(_LEET.get(c, c) if rng.random() < 0.5 else c for c in words[i])
        text = " ".join(words)
    if scam and rng.random() < 0.2:
        text = text.upper()
    if rng.random() < 0.5:
        emoji = _EMOJI_SCAM if scam else _EMOJI_OK
        text += " " + "".join(rng.choice(emoji) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.5:
        tags = _TAGS_SCAM + _TAGS_OK if scam else _TAGS_OK
        text += " " + " ".join(rng.sample(tags, rng.randint(1, 3)))
    return text


def generate(count: int, seed: int) -> list[tuple[str, int]]:
    """``count`` scam rows (label 1) and ``count`` ordinary rows (label 0), shuffled."""
    rng = random.Random(seed)
    scam_pool = [(lang, t) for lang, kinds in SCAMS.items() for ts in kinds.values() for t in ts]
    normal_pool = [(lang, t) for lang, ts in NORMAL.items() for t in ts]
    rows = [(_fill(t, lang, rng, True), 1) for lang, t in _draw(scam_pool, count, rng)]
    rows += [(_fill(t, lang, rng, False), 0) for lang, t in _draw(normal_pool, count, rng)]
    rng.shuffle(rows)
    return rows


def _draw(pool: list[tuple[str, str]], count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Every template once per round (so rare languages are not starved), then shuffled."""
    out: list[tuple[str, str]] = []
    while len(out) < count:
        round_ = pool[:]
        rng.shuffle(round_)
        out.extend(round_[: count - len(out)])
    return out
