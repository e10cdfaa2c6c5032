//! Synthetic demo data that looks like the field: organisations, staff accounts
//! and about 300 registered children, generated from a fixed seed.
//!
//! Why: a demo, a training session or a usability test needs data with the
//! texture of real casework — names in several scripts with their Latin
//! transliterations, spelling variants (Mohammed / Muhammad / Mohamad),
//! nicknames and aliases, siblings, twins, the same child registered twice with
//! a different spelling, disputed ages, identification channels and places that
//! fit each country — without ever touching a real child's record. Every person
//! here is invented by drawing first names and family names independently from
//! tables of common names; organisations have invented names and `.example`
//! contacts.
//!
//! The output is deterministic for a given seed and `today` (ChaCha8, which
//! gives the same stream on every platform), so a demo can be rebuilt exactly
//! and bug reports against it can be reproduced. The bodies are exactly what
//! `POST /api/v1/organisations` and `POST /api/v1/cases` accept (the case body
//! without `assigned_to`, which the loader fills in from `assigned_username`).

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// Every demo account's password (printed by `serve --demo`).
pub const DEMO_PASSWORD: &str = "safepath-demo-2026";

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 20261127;

/// Everything a demo installation is loaded with.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoData {
    pub organisations: Vec<DemoOrganisation>,
    pub users: Vec<DemoUser>,
    pub children: Vec<DemoChild>,
}

/// An organisation: `body` is a `POST /api/v1/organisations` body.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOrganisation {
    /// Short key the users and children refer to, e.g. `al`.
    pub key: &'static str,
    pub body: Value,
}

/// A staff account; its password is [`DEMO_PASSWORD`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub organisation_key: &'static str,
    pub language: &'static str,
}

/// A registered child: `body` is a `POST /api/v1/cases` body without
/// `assigned_to`; the case is to be assigned to `assigned_username`.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoChild {
    pub organisation_key: &'static str,
    pub assigned_username: String,
    pub body: Value,
}

/// Generates the demo data. Deterministic for a given seed and `today`;
/// children are listed in order of identification date, so that case
/// references increase with time when they are registered in this order.
pub fn generate(seed: u64, today: NaiveDate) -> DemoData {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut children: Vec<Child> = Vec::new();
    for org in ORGANISATIONS {
        children.extend(organisation_children(&mut rng, org, today));
    }
    add_near_duplicates(&mut rng, &mut children, today);
    children.sort_by_key(|child| child.date);
    DemoData {
        organisations: ORGANISATIONS.iter().map(organisation_body).collect(),
        users: users(),
        children: children.iter().map(Child::to_demo).collect(),
    }
}

// ---------------------------------------------------------------------------
// Name tables
//
// Tables are comma-separated. A name is written `native|Latin/Variant/Variant`
// when the population writes it in another script, or `Latin/Variant` when it
// is written in Latin; the first Latin spelling is the most common. A family
// name that changes with sex is written `masculine~feminine`.
// ---------------------------------------------------------------------------

/// A group of children sharing naming customs, languages and citizenship.
#[derive(Debug)]
struct Population {
    /// Identifies the population (tables are consts, so compare by name).
    name: &'static str,
    /// ISO 639 code of the language the names belong to.
    name_language: &'static str,
    /// ISO 15924 code of the script `native` names are written in.
    native_script: &'static str,
    /// Share of children recorded under their native-script name (with a Latin
    /// transliteration as another name).
    native_primary: f64,
    /// Share of children recorded in Latin who also have their native-script
    /// name recorded.
    native_other: f64,
    /// Computes a native-script form when the tables hold Latin only
    /// (Albanians from North Macedonia, whose documents are in Cyrillic).
    native_of: Option<fn(&str) -> String>,
    citizenship: &'static str,
    /// Languages the children speak, the first always, the others sometimes.
    languages: &'static [&'static str],
    female_share: f64,
    /// Share of children with a known date of birth (documents).
    documented: f64,
    /// Share of children known under an alias (a full other name).
    alias_share: f64,
    given_female: &'static str,
    given_male: &'static str,
    family: &'static str,
    nicknames_female: &'static str,
    nicknames_male: &'static str,
}

const ALBANIAN_FEMALE: &str = "\
    Elira, Ermira, Anisa, Klea, Ajola, Erisa, Jonida, Kejsi/Keisi, Rovena, \
    Xhesika/Jessica/Xhesica, Anxhela/Angela, Fjona/Fiona, Dorina, Arbëresha/Arberesha\
";
const ALBANIAN_MALE: &str = "\
    Arbën/Arben, Dritan, Besnik, Klodian/Klodjan, Ergys/Ergis, Erion/Erjon, Arlind, \
    Endri, Kristian/Christian, Gentian/Xhentian, Altin, Florian/Florjan, Alban, Enea, \
    Redon, Ilir\
";
const ALBANIAN_FAMILY: &str = "\
    Hoxha/Hoxa, Krasniqi/Krasniqui, Berisha, Çela/Cela, Shehu, Gjoka/Gjokaj, Leka, \
    Dervishi/Dervish, Kola, Marku, Prifti, Basha, Lika, Ndreu, Hysa/Hysaj, Gashi\
";
const ALBANIAN_NICK_F: &str = "Lili, Ela, Kiki, Ani, Xhesi";
const ALBANIAN_NICK_M: &str = "Beni, Dani, Eri, Tani, Xhoni, Lindi";

const ROMA_FEMALE: &str = "Mirela, Xhenisa/Jenisa, Sabrina, Samanta/Samantha, Esmeralda, Merita, Sindi/Cindy";
const ROMA_MALE: &str = "Ardit, Sead/Seat, Marjo/Mario, Fabjan/Fabian, Armando, Romeo, Elvis, Senad";
const ROMA_FAMILY: &str = "\
    Demiri, Alimani, Bajrami/Bajram, Qerimi/Kerimi, Hasani, Murati, \
    Sulejmani/Sulejmanovski, Rrapi/Rapi\
";
const ROMA_NICK_F: &str = "Mimi, Sara, Lala";
const ROMA_NICK_M: &str = "Çuni, Mimo, Toni, Lulo";

const MACEDONIAN_FEMALE: &str = "Марија|Marija/Maria, Ана|Ana, Елена|Elena, Ивана|Ivana, Сара|Sara";
const MACEDONIAN_MALE: &str = "Стефан|Stefan, Никола|Nikola, Филип|Filip, Давид|David, Марко|Marko";
const MACEDONIAN_FAMILY: &str = "\
    Петровски|Petrovski~Петровска|Petrovska, Николовски|Nikolovski~Николовска|Nikolovska, \
    Трајковски|Trajkovski~Трајковска|Trajkovska\
";

const GREEK_FEMALE: &str = "\
    Μαρία|Maria, Ελένη|Eleni/Helen, Κατερίνα|Katerina, Σοφία|Sofia/Sophia, \
    Γεωργία|Georgia, Δέσποινα|Despoina/Despina, Βασιλική|Vasiliki\
";
const GREEK_MALE: &str = "\
    Γιώργος|Giorgos/Georgios/Yiorgos, Νίκος|Nikos, Δημήτρης|Dimitris/Dimitrios, \
    Κωνσταντίνος|Konstantinos/Constantinos, Γιάννης|Giannis/Yiannis/Ioannis, \
    Παναγιώτης|Panagiotis/Panayiotis, Χρήστος|Christos/Hristos\
";
const GREEK_FAMILY: &str = "\
    Παπαδόπουλος|Papadopoulos~Παπαδοπούλου|Papadopoulou, \
    Παπαδάκης|Papadakis~Παπαδάκη|Papadaki, Γεωργίου|Georgiou, \
    Οικονόμου|Oikonomou/Economou, Νικολάου|Nikolaou, Βασιλείου|Vasileiou/Vassiliou, \
    Μακρής|Makris~Μακρή|Makri, Αντωνίου|Antoniou\
";
const GREEK_NICK_F: &str = "Vaso, Niki, Keti";
const GREEK_NICK_M: &str = "Takis, Lakis, Mitsos";

const UKRAINIAN_FEMALE: &str = "\
    Олена|Olena/Elena, Анастасія|Anastasiia/Anastasia, Софія|Sofiia/Sofia, \
    Катерина|Kateryna/Katerina, Марія|Mariia/Maria, Дарина|Daryna/Darina\
";
const UKRAINIAN_MALE: &str = "\
    Олександр|Oleksandr/Aleksandr/Alexander, Дмитро|Dmytro/Dmitro, Андрій|Andrii/Andriy, \
    Максим|Maksym/Maxim, Артем|Artem, Богдан|Bohdan/Bogdan\
";
const UKRAINIAN_FAMILY: &str = "\
    Шевченко|Shevchenko, Коваленко|Kovalenko, Бондаренко|Bondarenko, Ткаченко|Tkachenko, \
    Мельник|Melnyk/Melnik, Кравчук|Kravchuk, Бойко|Boiko/Boyko\
";
const RUSSIAN_FEMALE: &str = "Анна|Anna, Екатерина|Ekaterina/Yekaterina, Дарья|Daria/Darya, Полина|Polina";
const RUSSIAN_MALE: &str = "\
    Александр|Aleksandr/Alexandr/Alexander, Дмитрий|Dmitrii/Dmitry, Иван|Ivan, \
    Никита|Nikita\
";
const RUSSIAN_FAMILY: &str = "\
    Иванов|Ivanov~Иванова|Ivanova, Смирнов|Smirnov~Смирнова|Smirnova, \
    Попов|Popov~Попова|Popova, Кузнецов|Kuznetsov/Kuznetsow~Кузнецова|Kuznetsova, \
    Чебан|Ceban/Cheban\
";
const SLAVIC_NICK_F: &str = "Nastya, Katya, Masha, Sasha";
const SLAVIC_NICK_M: &str = "Sasha, Dima, Vanya, Max";

const AFGHAN_FEMALE: &str = "\
    فاطمه|Fatima/Fatema/Fatemeh, مریم|Maryam/Mariam, زهرا|Zahra/Zahraa, \
    زینب|Zainab/Zeinab, سکینه|Sakina/Sakineh, شبنم|Shabnam\
";
const AFGHAN_MALE: &str = "\
    محمد|Mohammed/Muhammad/Mohamad/Mohammad, احمد|Ahmad/Ahmed, علی|Ali, \
    حسین|Hussain/Hussein/Hossein, رضا|Reza/Riza, مصطفی|Mustafa/Mostafa, \
    یوسف|Yousef/Yusuf, عبدالله|Abdullah/Abdulla, نوید|Navid/Naveed, جاوید|Javid/Javed\
";
const AFGHAN_FAMILY: &str = "\
    احمدی|Ahmadi/Ahmady, حسینی|Hosseini/Hussaini/Husseini, رحیمی|Rahimi, \
    محمدی|Mohammadi/Muhammadi, کریمی|Karimi, حیدری|Haidari/Heydari/Haydari, \
    نوری|Noori/Nouri, سلطانی|Soltani/Sultani\
";

const SYRIAN_FEMALE: &str = "\
    فاطمة|Fatima/Fatma, مريم|Mariam/Maryam, نور|Nour/Noor/Nur, آية|Aya/Ayah, سلمى|Salma, \
    رهف|Rahaf\
";
const SYRIAN_MALE: &str = "\
    محمد|Mohammed/Muhammad/Mohamad, أحمد|Ahmad/Ahmed, عمر|Omar/Umar, خالد|Khaled/Khalid, \
    حسن|Hassan/Hasan, يوسف|Youssef/Yousef/Yusuf, إبراهيم|Ibrahim, حمزة|Hamza/Hamzah\
";
const SYRIAN_FAMILY: &str = "\
    الحسن|Al-Hassan/Alhasan/Al Hassan, خليل|Khalil, حداد|Haddad, إبراهيم|Ibrahim, \
    العلي|Al-Ali/Alali, الأحمد|Al-Ahmad/Alahmad, الشيخ|Al-Sheikh/Alshaikh, \
    درويش|Darwish/Darwich\
";

const PAKISTANI_FEMALE: &str = "عائشہ|Ayesha/Aisha, فاطمہ|Fatima, مریم|Maryam/Mariam";
const PAKISTANI_MALE: &str = "\
    محمد|Muhammad/Mohammad/Mohammed, علی|Ali, حسن|Hassan/Hasan, عمران|Imran, بلال|Bilal, \
    عثمان|Usman/Osman, حمزہ|Hamza, زبیر|Zubair/Zubeir\
";
const PAKISTANI_FAMILY: &str = "\
    خان|Khan, حسین|Hussain/Hussein/Husain, اقبال|Iqbal/Ikbal, احمد|Ahmed/Ahmad, رضا|Raza, \
    شاہ|Shah\
";
const MIGRANT_NICK_F: &str = "Fati, Mimi, Nouri";
const MIGRANT_NICK_M: &str = "Mo, Hamid, Sami, Alex, Baba";

const BANGLADESHI_FEMALE: &str = "ফাতেমা|Fatema/Fatima, নুসরাত|Nusrat";
const BANGLADESHI_MALE: &str = "\
    মোহাম্মদ|Mohammad/Mohammed/Md., রাকিব|Rakib, সাকিব|Sakib/Shakib, রহিম|Rahim, \
    করিম|Karim, জাহিদ|Jahid/Zahid\
";
const BANGLADESHI_FAMILY: &str = "\
    হোসেন|Hossain/Hossen/Hussain, ইসলাম|Islam, রহমান|Rahman/Rahaman, আহমেদ|Ahmed, \
    মিয়া|Miah/Mia, উদ্দিন|Uddin\
";

const NEPALI_FEMALE: &str = "\
    लक्ष्मी|Laxmi/Lakshmi/Laxmee, सीता|Sita, गीता|Gita/Geeta, माया|Maya, सरिता|Sarita, \
    सुनिता|Sunita, पूजा|Puja/Pooja, अनिता|Anita, कमला|Kamala, ममता|Mamata/Mamta, \
    सबिना|Sabina, रीता|Rita\
";
const NEPALI_MALE: &str = "\
    राम|Ram, कृष्ण|Krishna/Krisna, हरि|Hari, सन्तोष|Santosh/Santos, \
    विकास|Bikash/Bikas/Vikash, सुरेश|Suresh, दीपक|Dipak/Deepak, राजु|Raju, \
    विनोद|Binod/Vinod, प्रकाश|Prakash, मनोज|Manoj, आशिष|Ashish/Asish\
";
const NEPALI_FAMILY: &str = "\
    तामाङ|Tamang, गुरुङ|Gurung, मगर|Magar, श्रेष्ठ|Shrestha/Shrestra, राई|Rai, \
    थापा|Thapa, विश्वकर्मा|B.K./Bishwakarma/Biswokarma, परियार|Pariyar, लामा|Lama, \
    सार्की|Sarki\
";
const NEPALI_NICK_F: &str = "Kanchhi, Maili, Nani";
const NEPALI_NICK_M: &str = "Kanchha, Maila, Saila, Babu";

const DIOULA_FEMALE: &str = "\
    Aminata/Aminatou, Fatoumata/Fatimata, Mariam/Mariame/Mariama, Awa, Salimata/Salamata, \
    Kadiatou/Kadidia, Assita/Assétou, Rokia/Rokiatou\
";
const DIOULA_MALE: &str = "\
    Ibrahim/Ibrahima, Moussa/Moussah, Seydou/Seidou, Adama, Lassina, Drissa, \
    Souleymane/Soulemane/Suleiman, Issouf/Issoufou, Abdoulaye\
";
const DIOULA_FAMILY: &str = "\
    Traoré/Traore, Coulibaly/Koulibaly, Ouattara/Watara, Koné/Kone, Diabaté/Diabate, \
    Touré/Toure, Bamba, Cissé/Cisse, Sanogo\
";
const AKAN_FEMALE: &str = "Adjoua/Ajoua, Affoué/Affoue, Aya, Akissi, Amenan, Ahou";
const AKAN_MALE: &str = "Kouassi/Kwasi, Kouadio, Konan, Kouamé/Kouame, Yao, Koffi/Kofi";
const AKAN_FAMILY: &str = "\
    Kouassi, Kouadio, Konan, Kouamé/Kouame, Yao, N'Guessan/Nguessan/N'Guéssan, Kouakou, \
    Brou\
";
const BURKINABE_FEMALE: &str = "Aminata, Salamata, Awa, Rasmata, Alimata, Mariam/Mariame";
const BURKINABE_MALE: &str = "Boukary/Boucary, Issaka, Salif, Adama, Ousmane/Usman, Hamado/Hamadou";
const BURKINABE_FAMILY: &str = "\
    Ouédraogo/Ouedraogo/Ouedrago, Sawadogo, Compaoré/Compaore, Zongo, Kaboré/Kabore, \
    Ilboudo, Nikiéma/Nikiema\
";
const MALIAN_FEMALE: &str = "Aminata, Fatoumata/Fatoumatou, Kadidia/Kadiatou, Oumou, Awa, Mariam";
const MALIAN_MALE: &str = "Mamadou/Mamoudou, Modibo, Bakary/Bakari, Seydou, Boubacar/Boubakar, Moussa";
const MALIAN_FAMILY: &str = "\
    Diarra, Keïta/Keita, Traoré/Traore, Sidibé/Sidibe, Dembélé/Dembele, Coulibaly, \
    Sangaré/Sangare\
";
const WEST_AFRICAN_NICK_F: &str = "Fatou, Mamie, Ami, Kadi";
const WEST_AFRICAN_NICK_M: &str = "Petit, Papis, Solo, Vieux";

const ALBANIANS: Population = Population {
    name: "albanians",
    name_language: "sq",
    native_script: "Latn",
    native_primary: 0.0,
    native_other: 0.0,
    native_of: None,
    citizenship: "AL",
    languages: &["sq", "el", "it"],
    female_share: 0.5,
    documented: 0.75,
    alias_share: 0.03,
    given_female: ALBANIAN_FEMALE,
    given_male: ALBANIAN_MALE,
    family: ALBANIAN_FAMILY,
    nicknames_female: ALBANIAN_NICK_F,
    nicknames_male: ALBANIAN_NICK_M,
};
const ALBANIANS_OF_NORTH_MACEDONIA: Population = Population {
    name: "albanians_of_north_macedonia",
    citizenship: "MK",
    languages: &["sq", "mk"],
    native_script: "Cyrl",
    native_other: 0.9,
    native_of: Some(albanian_to_macedonian_cyrillic),
    ..ALBANIANS
};
const ROMA_OF_ALBANIA: Population = Population {
    name: "roma_of_albania",
    languages: &["rom", "sq"],
    documented: 0.45,
    alias_share: 0.05,
    given_female: ROMA_FEMALE,
    given_male: ROMA_MALE,
    family: ROMA_FAMILY,
    nicknames_female: ROMA_NICK_F,
    nicknames_male: ROMA_NICK_M,
    ..ALBANIANS
};
const MACEDONIANS: Population = Population {
    name: "macedonians",
    name_language: "mk",
    native_script: "Cyrl",
    native_primary: 0.6,
    native_other: 0.7,
    native_of: None,
    citizenship: "MK",
    languages: &["mk"],
    female_share: 0.5,
    documented: 0.7,
    alias_share: 0.0,
    given_female: MACEDONIAN_FEMALE,
    given_male: MACEDONIAN_MALE,
    family: MACEDONIAN_FAMILY,
    nicknames_female: SLAVIC_NICK_F,
    nicknames_male: SLAVIC_NICK_M,
};
const GREEKS: Population = Population {
    name: "greeks",
    name_language: "el",
    native_script: "Grek",
    native_primary: 0.9,
    native_other: 1.0,
    citizenship: "GR",
    languages: &["el"],
    documented: 0.85,
    given_female: GREEK_FEMALE,
    given_male: GREEK_MALE,
    family: GREEK_FAMILY,
    nicknames_female: GREEK_NICK_F,
    nicknames_male: GREEK_NICK_M,
    ..MACEDONIANS
};
const UKRAINIANS: Population = Population {
    name: "ukrainians",
    name_language: "uk",
    native_primary: 0.5,
    citizenship: "UA",
    languages: &["uk", "ru"],
    given_female: UKRAINIAN_FEMALE,
    given_male: UKRAINIAN_MALE,
    family: UKRAINIAN_FAMILY,
    ..MACEDONIANS
};
const RUSSIAN_SPEAKERS_OF_MOLDOVA: Population = Population {
    name: "russian_speakers_of_moldova",
    name_language: "ru",
    native_primary: 0.4,
    citizenship: "MD",
    languages: &["ru", "ro"],
    documented: 0.5,
    given_female: RUSSIAN_FEMALE,
    given_male: RUSSIAN_MALE,
    family: RUSSIAN_FAMILY,
    ..MACEDONIANS
};
const AFGHANS: Population = Population {
    name: "afghans",
    name_language: "prs",
    native_script: "Arab",
    native_primary: 0.0,
    native_other: 0.3,
    native_of: None,
    citizenship: "AF",
    languages: &["prs", "ps", "fa"],
    female_share: 0.15,
    documented: 0.15,
    alias_share: 0.12,
    given_female: AFGHAN_FEMALE,
    given_male: AFGHAN_MALE,
    family: AFGHAN_FAMILY,
    nicknames_female: MIGRANT_NICK_F,
    nicknames_male: MIGRANT_NICK_M,
};
const SYRIANS: Population = Population {
    name: "syrians",
    name_language: "ar",
    citizenship: "SY",
    languages: &["ar", "ku"],
    female_share: 0.35,
    documented: 0.35,
    given_female: SYRIAN_FEMALE,
    given_male: SYRIAN_MALE,
    family: SYRIAN_FAMILY,
    ..AFGHANS
};
const PAKISTANIS: Population = Population {
    name: "pakistanis",
    name_language: "ur",
    citizenship: "PK",
    languages: &["ur", "pa"],
    female_share: 0.05,
    documented: 0.15,
    given_female: PAKISTANI_FEMALE,
    given_male: PAKISTANI_MALE,
    family: PAKISTANI_FAMILY,
    ..AFGHANS
};
const BANGLADESHIS: Population = Population {
    name: "bangladeshis",
    name_language: "bn",
    native_script: "Beng",
    native_other: 0.2,
    citizenship: "BD",
    languages: &["bn"],
    female_share: 0.05,
    documented: 0.2,
    given_female: BANGLADESHI_FEMALE,
    given_male: BANGLADESHI_MALE,
    family: BANGLADESHI_FAMILY,
    ..AFGHANS
};
const NEPALIS: Population = Population {
    name: "nepalis",
    name_language: "ne",
    native_script: "Deva",
    native_primary: 0.5,
    native_other: 0.5,
    native_of: None,
    citizenship: "NP",
    languages: &["ne", "taj", "hi"],
    female_share: 0.65,
    documented: 0.55,
    alias_share: 0.04,
    given_female: NEPALI_FEMALE,
    given_male: NEPALI_MALE,
    family: NEPALI_FAMILY,
    nicknames_female: NEPALI_NICK_F,
    nicknames_male: NEPALI_NICK_M,
};
const IVORIAN_DIOULA: Population = Population {
    name: "ivorian_dioula",
    name_language: "dyu",
    native_script: "Latn",
    native_primary: 0.0,
    native_other: 0.0,
    native_of: None,
    citizenship: "CI",
    languages: &["dyu", "fr"],
    female_share: 0.45,
    documented: 0.4,
    alias_share: 0.04,
    given_female: DIOULA_FEMALE,
    given_male: DIOULA_MALE,
    family: DIOULA_FAMILY,
    nicknames_female: WEST_AFRICAN_NICK_F,
    nicknames_male: WEST_AFRICAN_NICK_M,
};
const IVORIAN_AKAN: Population = Population {
    name: "ivorian_akan",
    name_language: "bci",
    languages: &["bci", "fr"],
    documented: 0.4,
    given_female: AKAN_FEMALE,
    given_male: AKAN_MALE,
    family: AKAN_FAMILY,
    ..IVORIAN_DIOULA
};
const BURKINABE: Population = Population {
    name: "burkinabe",
    name_language: "mos",
    citizenship: "BF",
    languages: &["mos", "dyu", "fr"],
    female_share: 0.35,
    documented: 0.25,
    given_female: BURKINABE_FEMALE,
    given_male: BURKINABE_MALE,
    family: BURKINABE_FAMILY,
    ..IVORIAN_DIOULA
};
const MALIANS: Population = Population {
    name: "malians",
    name_language: "bm",
    citizenship: "ML",
    languages: &["bm", "fr"],
    female_share: 0.4,
    documented: 0.25,
    given_female: MALIAN_FEMALE,
    given_male: MALIAN_MALE,
    family: MALIAN_FAMILY,
    ..IVORIAN_DIOULA
};

// ---------------------------------------------------------------------------
// Organisations, their staff and where they work
// ---------------------------------------------------------------------------

/// A place where children are identified, with the local structures there.
#[derive(Debug)]
struct Place {
    name: &'static str,
    structures: &'static [&'static str],
}

/// A place, how often children are identified there, and its local structures.
const fn place(name: &'static str, weight: u32, structures: &'static [&'static str]) -> (Place, u32) {
    (Place { name, structures }, weight)
}

#[derive(Debug)]
struct OrganisationProfile {
    key: &'static str,
    name: &'static str,
    org_type: &'static str,
    country: &'static str,
    reference_prefix: &'static str,
    services: &'static [&'static str],
    contact: &'static str,
    /// Children registered directly (near-duplicates come on top).
    children: usize,
    supervisor: (&'static str, &'static str),
    /// Display name and interface language of each caseworker.
    caseworkers: &'static [(&'static str, &'static str)],
    populations: &'static [(&'static Population, u32)],
    places: &'static [(Place, u32)],
    channels: &'static [(&'static str, u32)],
    /// Weights of unaccompanied, separated, accompanied.
    protection: [u32; 3],
    school: &'static str,
    health: &'static str,
    legal_basis: &'static str,
}

const ORGANISATIONS: &[OrganisationProfile] = &[
    OrganisationProfile {
        key: "al",
        name: "Rruga e Sigurt Child Protection",
        org_type: "NGO",
        country: "AL",
        reference_prefix: "RES-AL",
        services: &[
            "immediate_protection",
            "psychosocial",
            "legal_assistance",
            "education",
            "family_tracing",
            "reintegration",
            "livelihood",
        ],
        contact: "Intake desk, Tirana; intake@rruga-e-sigurt.example",
        children: 76,
        supervisor: ("Ermira Dervishi", "en"),
        caseworkers: &[("Blerina Kola", "en"), ("Arjan Leka", "en"), ("Mirela Shehu", "en")],
        populations: &[(&ALBANIANS, 65), (&ROMA_OF_ALBANIA, 25), (&ALBANIANS_OF_NORTH_MACEDONIA, 10)],
        places: &[
            place(
                "Tirana",
                30,
                &["Child protection unit, Tirana municipality", "Child protection worker, Administrative Unit 5"],
            ),
            place("Kamëz", 8, &["Child protection committee, Kamëz"]),
            place("Durrës", 14, &["Child protection unit, Durrës municipality"]),
            place("Elbasan", 10, &["Child protection unit, Elbasan municipality"]),
            place("Korçë", 8, &["Child protection unit, Korçë municipality"]),
            place("Kukës", 8, &["Border police, Morinë crossing"]),
            place("Shkodër", 8, &["Child protection unit, Shkodër municipality"]),
            place("Vlorë", 6, &["Child protection unit, Vlorë municipality"]),
            place("Kakavijë border crossing", 8, &["Border police, Kakavijë"]),
        ],
        channels: &[
            ("police", 20),
            ("outreach", 20),
            ("partner_referral", 15),
            ("community_focal_point", 10),
            ("hotline", 10),
            ("school", 9),
            ("health_service", 6),
            ("self_referral", 6),
            ("other", 4),
        ],
        protection: [20, 25, 55],
        school: "School psychologist",
        health: "Health centre",
        legal_basis: "Informed consent, organisation data protection policy",
    },
    OrganisationProfile {
        key: "gr",
        name: "Kyma Shelter for Children",
        org_type: "NGO",
        country: "GR",
        reference_prefix: "KYMA-GR",
        services: &[
            "shelter",
            "immediate_protection",
            "medical",
            "psychosocial",
            "legal_assistance",
            "guardianship",
            "interpretation",
            "documentation",
        ],
        contact: "Shelter coordination, Athens; coordination@kyma-shelter.example",
        children: 86,
        supervisor: ("Eleni Makri", "en"),
        caseworkers: &[("Nikos Georgiou", "en"), ("Sofia Antoniou", "en"), ("Yasmin Haddad", "en")],
        populations: &[
            (&GREEKS, 14),
            (&AFGHANS, 25),
            (&SYRIANS, 14),
            (&PAKISTANIS, 12),
            (&BANGLADESHIS, 5),
            (&ALBANIANS, 12),
            (&ROMA_OF_ALBANIA, 3),
            (&UKRAINIANS, 9),
            (&RUSSIAN_SPEAKERS_OF_MOLDOVA, 3),
            (&MACEDONIANS, 3),
        ],
        places: &[
            place("Athens", 30, &["Street work team, Victoria Square", "Street work team, Omonia"]),
            place("Thessaloniki", 16, &["Street work team, Thessaloniki port"]),
            place("Mytilene, Lesvos", 14, &["Reception and identification centre, Lesvos"]),
            place("Evros", 14, &["Border police, Orestiada", "Reception centre, Evros"]),
            place("Patras", 10, &["Port police, Patras"]),
            place("Samos", 6, &["Reception and identification centre, Samos"]),
            place("Ioannina", 6, &["Social services, Ioannina municipality"]),
        ],
        channels: &[
            ("outreach", 25),
            ("police", 25),
            ("partner_referral", 20),
            ("hotline", 8),
            ("self_referral", 8),
            ("health_service", 6),
            ("school", 4),
            ("community_focal_point", 2),
            ("other", 2),
        ],
        protection: [60, 20, 20],
        school: "Public school",
        health: "General hospital",
        legal_basis: "GDPR Art. 6(1)(a), consent",
    },
    OrganisationProfile {
        key: "np",
        name: "Himal Child Safety Network",
        org_type: "NGO",
        country: "NP",
        reference_prefix: "HCSN-NP",
        services: &[
            "shelter",
            "psychosocial",
            "family_tracing",
            "reunification",
            "reintegration",
            "education",
            "vocational_training",
        ],
        contact: "Case management office, Kathmandu; cases@himal-childsafety.example",
        children: 68,
        supervisor: ("Sarita Shrestha", "en"),
        caseworkers: &[("Bikash Gurung", "ne"), ("Anita Rai", "ne"), ("Prakash Thapa", "en")],
        populations: &[(&NEPALIS, 100)],
        places: &[
            place(
                "Kathmandu",
                22,
                &["Ward child protection committee, Kathmandu ward 32", "Community focal point, Thamel"],
            ),
            place(
                "Sindhupalchok",
                16,
                &[
                    "Ward child protection committee, Melamchi",
                    "Community focal point, Chautara",
                    "Ward child protection committee, Barhabise",
                ],
            ),
            place("Makwanpur", 12, &["Ward child protection committee, Hetauda", "Community focal point, Manahari"]),
            place("Nuwakot", 10, &["Ward child protection committee, Bidur"]),
            place("Dhading", 10, &["Ward child protection committee, Nilkantha"]),
            place("Kakarbhitta", 12, &["Border surveillance point, Kakarbhitta"]),
            place("Bhairahawa", 10, &["Border surveillance point, Belahiya"]),
            place("Birgunj", 8, &["Border surveillance point, Birgunj"]),
        ],
        channels: &[
            ("community_focal_point", 30),
            ("partner_referral", 15),
            ("police", 15),
            ("outreach", 12),
            ("hotline", 10),
            ("school", 8),
            ("health_service", 5),
            ("self_referral", 3),
            ("other", 2),
        ],
        protection: [25, 35, 40],
        school: "Community school",
        health: "Health post",
        legal_basis: "Informed consent, organisation data protection policy",
    },
    OrganisationProfile {
        key: "ci",
        name: "Akwaba Protection de l'Enfance",
        org_type: "NGO",
        country: "CI",
        reference_prefix: "AKWABA-CI",
        services: &[
            "immediate_protection",
            "shelter",
            "medical",
            "psychosocial",
            "family_tracing",
            "reunification",
            "education",
            "livelihood",
        ],
        contact: "Bureau de coordination, Abidjan; contact@akwaba-enfance.example",
        children: 62,
        supervisor: ("Adjoua Kouassi", "fr"),
        caseworkers: &[("Moussa Koné", "fr"), ("Aya Konan", "fr")],
        populations: &[(&IVORIAN_DIOULA, 35), (&IVORIAN_AKAN, 25), (&BURKINABE, 25), (&MALIANS, 15)],
        places: &[
            place("Abidjan, Adjamé", 12, &["Centre social d'Adjamé", "Brigade des mineurs, Abidjan"]),
            place("Abidjan, Yopougon", 8, &["Centre social de Yopougon"]),
            place(
                "Soubré",
                18,
                &[
                    "Comité de protection de l'enfant, Okrouyo",
                    "Comité de protection de l'enfant, Grand-Zattry",
                    "Comité de protection de l'enfant, Liliyo",
                ],
            ),
            place(
                "Daloa",
                14,
                &["Comité de protection de l'enfant, Gadouan", "Comité de protection de l'enfant, Zaïbo"],
            ),
            place(
                "San-Pédro",
                12,
                &["Comité de protection de l'enfant, Doba", "Comité de protection de l'enfant, Grand-Béréby"],
            ),
            place("Hiré", 8, &["Comité de protection de l'enfant, site d'orpaillage de Hiré"]),
            place("Bouaké", 8, &["Centre social de Bouaké"]),
            place(
                "Korhogo",
                10,
                &["Comité de protection de l'enfant, Karakoro", "Comité de protection de l'enfant, Napié"],
            ),
        ],
        channels: &[
            ("community_focal_point", 30),
            ("outreach", 15),
            ("partner_referral", 15),
            ("police", 12),
            ("hotline", 8),
            ("school", 6),
            ("health_service", 6),
            ("self_referral", 4),
            ("other", 4),
        ],
        protection: [25, 40, 35],
        school: "École primaire publique",
        health: "Centre de santé",
        legal_basis: "Consentement éclairé, politique de protection des données",
    },
];

/// Accounts outside the per-organisation teams: (username, display name,
/// role, organisation, language).
const NETWORK_STAFF: &[(&str, &str, &str, &str, &str)] = &[
    ("manager", "Valbona Marku", "manager", "al", "en"),
    ("analyst", "Katerina Oikonomou", "analyst", "gr", "en"),
    ("admin", "Gent Basha", "admin", "al", "en"),
    ("focalpoint", "Kamala Tamang", "focal_point", "np", "ne"),
];

/// Near-duplicates: a child of the first organisation registered again, with
/// another spelling, by the second.
const NEAR_DUPLICATES: &[(&str, &str)] =
    &[("al", "al"), ("al", "al"), ("al", "gr"), ("al", "gr"), ("gr", "gr"), ("np", "np"), ("ci", "ci"), ("ci", "ci")];

/// Ages 0..=17 and how often they occur among identified children.
const AGE_WEIGHTS: [u32; 18] = [0, 1, 1, 1, 2, 2, 2, 3, 4, 4, 5, 6, 7, 9, 11, 13, 14, 12];

/// Risk levels and their shares (about 30% high, 45% medium, 25% low).
const RISK_LEVELS: &[(&str, u32)] = &[("high", 30), ("medium", 45), ("low", 25)];

const SIBLING_GROUP_SHARE: f64 = 0.07;
const IDENTIFICATION_WINDOW_DAYS: u32 = 3 * 365;

fn organisation_body(org: &OrganisationProfile) -> DemoOrganisation {
    DemoOrganisation {
        key: org.key,
        body: json!({
            "name": org.name,
            "type": org.org_type,
            "countries": [org.country],
            "reference_prefix": org.reference_prefix,
            "services": org.services,
            "contact": org.contact,
        }),
    }
}

fn caseworker_username(org: &OrganisationProfile, index: usize) -> String {
    format!("{}.caseworker{}", org.key, index + 1)
}

fn users() -> Vec<DemoUser> {
    let mut users = Vec::new();
    for org in ORGANISATIONS {
        let (display_name, language) = org.supervisor;
        users.push(DemoUser {
            username: format!("{}.supervisor", org.key),
            display_name: display_name.to_string(),
            role: "supervisor",
            organisation_key: org.key,
            language,
        });
        for (i, (display_name, language)) in org.caseworkers.iter().enumerate() {
            users.push(DemoUser {
                username: caseworker_username(org, i),
                display_name: display_name.to_string(),
                role: "caseworker",
                organisation_key: org.key,
                language,
            });
        }
    }
    for &(username, display_name, role, organisation_key, language) in NETWORK_STAFF {
        users.push(DemoUser {
            username: username.to_string(),
            display_name: display_name.to_string(),
            role,
            organisation_key,
            language,
        });
    }
    users
}

// ---------------------------------------------------------------------------
// Children
// ---------------------------------------------------------------------------

/// One name as recorded: its table entry, and the spelling chosen.
#[derive(Debug, Clone)]
struct Spelled {
    native: Option<String>,
    latin: String,
    /// Every Latin spelling of the table entry, the usual one first.
    variants: Vec<&'static str>,
}

impl Spelled {
    fn new(spec: &'static str, native_of: Option<fn(&str) -> String>, rng: &mut ChaCha8Rng) -> Self {
        let (native, latin) = match spec.split_once('|') {
            Some((native, latin)) => (Some(native), latin),
            None => (None, spec),
        };
        let variants: Vec<&'static str> = latin.split('/').collect();
        // The usual spelling most of the time, a variant otherwise.
        let chosen = if variants.len() > 1 && rng.gen_bool(0.35) {
            variants[1 + below(rng, variants.len() - 1)]
        } else {
            variants[0]
        };
        Spelled {
            native: native.map(str::to_string).or_else(|| native_of.map(|f| f(variants[0]))),
            latin: chosen.to_string(),
            variants,
        }
    }

    /// Another Latin spelling of the same name, if the table knows one, or the
    /// same name without its diacritics.
    fn respelled(&self, rng: &mut ChaCha8Rng) -> Option<String> {
        let others: Vec<&str> = self.variants.iter().copied().filter(|v| *v != self.latin).collect();
        if !others.is_empty() {
            return Some(others[below(rng, others.len())].to_string());
        }
        let plain = strip_diacritics(&self.latin);
        (plain != self.latin).then_some(plain)
    }
}

#[derive(Debug, Clone, Copy)]
enum AgeRecord {
    Born(NaiveDate),
    Estimated(u8),
}

#[derive(Debug, Clone)]
struct OtherName {
    name: String,
    kind: &'static str,
    script: &'static str,
    language: &'static str,
}

#[derive(Debug, Clone)]
struct Consent {
    purpose: &'static str,
    given_by: &'static str,
    date: NaiveDate,
}

#[derive(Debug, Clone)]
struct Child {
    org: &'static OrganisationProfile,
    caseworker: usize,
    population: &'static Population,
    sex: &'static str,
    given: Spelled,
    family: Spelled,
    /// Given and family names recorded in the native script.
    native_primary: bool,
    /// Native-script name recorded as another name.
    native_other: bool,
    /// Family name recorded as the given name and the other way round.
    swapped: bool,
    extra_names: Vec<OtherName>,
    age: AgeRecord,
    age_disputed: bool,
    citizenship: Vec<&'static str>,
    languages: Vec<&'static str>,
    date: NaiveDate,
    place: &'static str,
    channel: &'static str,
    local_structure: Option<String>,
    risk: &'static str,
    protection: &'static str,
    consents: Vec<Consent>,
}

/// What siblings share: one family, found together, registered alike.
struct Household {
    population: &'static Population,
    /// The family-name table entry (`masculine~feminine`).
    family_entry: &'static str,
    /// Seeds the choice of the family name's spelling, so siblings share it.
    family_seed: u64,
    /// Names recorded in the native script (rather than in Latin).
    native_primary: bool,
    date: NaiveDate,
    place: &'static Place,
    channel: &'static str,
    local_structure: Option<String>,
    protection: &'static str,
    caseworker: usize,
    documented: bool,
    citizenship: Vec<&'static str>,
    languages: Vec<&'static str>,
    /// Given names already used in this family.
    given_taken: Vec<&'static str>,
}

fn organisation_children(rng: &mut ChaCha8Rng, org: &'static OrganisationProfile, today: NaiveDate) -> Vec<Child> {
    let mut children = Vec::with_capacity(org.children);
    // One pair of twins per organisation, first, so that every demo has them.
    let mut household = new_household(rng, org, today);
    let twins_age = weighted_age(rng).clamp(5, 16);
    let twins_born = date_of_birth(rng, today, twins_age);
    for _ in 0..2 {
        let mut twin = child_in(rng, org, &mut household, twins_age, today);
        if household.documented {
            twin.age = AgeRecord::Born(twins_born);
        }
        children.push(twin);
    }
    while children.len() < org.children {
        let mut household = new_household(rng, org, today);
        let left = org.children - children.len();
        let size = if left >= 2 && rng.gen_bool(SIBLING_GROUP_SHARE) { 2 + below(rng, left.min(3) - 1) } else { 1 };
        let mut age = weighted_age(rng);
        for _ in 0..size {
            children.push(child_in(rng, org, &mut household, age, today));
            let gap = 1 + below(rng, 4) as u8;
            age = age.saturating_sub(gap).max(1);
        }
    }
    children
}

fn new_household(rng: &mut ChaCha8Rng, org: &'static OrganisationProfile, today: NaiveDate) -> Household {
    let population = weighted(rng, org.populations);
    let place = weighted_ref(rng, org.places);
    let channel = weighted(rng, org.channels);
    let local_structure = local_structure(rng, org, place, channel);
    let days_ago = rng.gen_range(0..IDENTIFICATION_WINDOW_DAYS);
    let date = today - Days::new(u64::from(days_ago));
    // Children of the country are mostly still with their families; children
    // on the move mostly are not.
    let [unaccompanied, separated, accompanied] =
        if population.citizenship == org.country { [15, 30, 55] } else { org.protection };
    let protection =
        weighted(rng, &[("unaccompanied", unaccompanied), ("separated", separated), ("accompanied", accompanied)]);
    let mut languages = Vec::new();
    for (i, &language) in population.languages.iter().enumerate() {
        if i == 0 || rng.gen_bool(0.3) {
            languages.push(language);
        }
    }
    // Citizenship is sometimes not known at registration.
    let citizenship = if rng.gen_bool(0.92) { vec![population.citizenship] } else { Vec::new() };
    Household {
        population,
        family_entry: pick_entry(rng, population.family),
        family_seed: rng.gen(),
        native_primary: rng.gen_bool(population.native_primary),
        date,
        place,
        channel,
        local_structure,
        protection,
        caseworker: below(rng, org.caseworkers.len()),
        documented: rng.gen_bool(population.documented),
        citizenship,
        languages,
        given_taken: Vec::new(),
    }
}

fn local_structure(rng: &mut ChaCha8Rng, org: &OrganisationProfile, place: &Place, channel: &str) -> Option<String> {
    let from_place = |rng: &mut ChaCha8Rng| {
        (!place.structures.is_empty()).then(|| place.structures[below(rng, place.structures.len())].to_string())
    };
    match channel {
        "community_focal_point" => from_place(rng),
        "police" | "outreach" | "partner_referral" if rng.gen_bool(0.5) => from_place(rng),
        "school" => Some(format!("{}, {}", org.school, place.name)),
        "health_service" => Some(format!("{}, {}", org.health, place.name)),
        _ => None,
    }
}

fn child_in(
    rng: &mut ChaCha8Rng,
    org: &'static OrganisationProfile,
    household: &mut Household,
    age: u8,
    today: NaiveDate,
) -> Child {
    let population = household.population;
    let sex = sex(rng, population, age);
    let female = matches!(sex, "Feminine" | "TransgenderFeminine");
    // Brothers and sisters do not share a given name.
    let mut given_entry = pick_entry(rng, given_table(population, female));
    for _ in 0..8 {
        if !household.given_taken.contains(&given_entry) {
            break;
        }
        given_entry = pick_entry(rng, given_table(population, female));
    }
    household.given_taken.push(given_entry);
    let given = Spelled::new(given_entry, population.native_of, rng);
    // Siblings share the family name and its spelling.
    let mut family_rng = ChaCha8Rng::seed_from_u64(household.family_seed);
    let family = Spelled::new(family_form(household.family_entry, female), population.native_of, &mut family_rng);

    let documented = household.documented && (5..=16).contains(&age);
    let age_record =
        if documented { AgeRecord::Born(date_of_birth(rng, today, age)) } else { AgeRecord::Estimated(age) };
    let disputed_share = match age_record {
        AgeRecord::Estimated(15..=u8::MAX) => 0.35,
        AgeRecord::Estimated(_) | AgeRecord::Born(_) => 0.02,
    };
    let native_primary = given.native.is_some() && household.native_primary;
    let native_other = given.native.is_some() && rng.gen_bool(population.native_other);
    // Family name first is common in West African records.
    let swap_share = if org.country == "CI" { 0.08 } else { 0.03 };
    let mut child = Child {
        org,
        caseworker: household.caseworker,
        population,
        sex,
        given,
        family,
        native_primary,
        native_other,
        swapped: rng.gen_bool(swap_share),
        extra_names: Vec::new(),
        age: age_record,
        age_disputed: rng.gen_bool(disputed_share),
        citizenship: household.citizenship.clone(),
        languages: household.languages.clone(),
        date: household.date,
        place: household.place.name,
        channel: household.channel,
        local_structure: household.local_structure.clone(),
        risk: weighted(rng, RISK_LEVELS),
        protection: household.protection,
        consents: Vec::new(),
    };
    child.extra_names = extra_names(rng, &child, female);
    child.consents = consents(rng, &child, today);
    child
}

fn given_table(population: &Population, female: bool) -> &'static str {
    if female {
        population.given_female
    } else {
        population.given_male
    }
}

fn sex(rng: &mut ChaCha8Rng, population: &Population, age: u8) -> &'static str {
    let roll: f64 = rng.gen();
    if roll < 0.01 {
        "NonSpecifiedUnknown"
    } else if roll < 0.015 && age >= 13 {
        "NonConforming"
    } else if roll < 0.02 && age >= 14 {
        "TransgenderFeminine"
    } else if rng.gen_bool(population.female_share) {
        "Feminine"
    } else {
        "Masculine"
    }
}

/// Nicknames, aliases and a second transliteration, now and then.
fn extra_names(rng: &mut ChaCha8Rng, child: &Child, female: bool) -> Vec<OtherName> {
    let population = child.population;
    let mut names = Vec::new();
    let nicknames = if female { population.nicknames_female } else { population.nicknames_male };
    if rng.gen_bool(0.1) {
        let nickname = pick_entry(rng, nicknames);
        if !nickname.is_empty() {
            names.push(OtherName {
                name: nickname.to_string(),
                kind: "nickname",
                script: "Latn",
                language: population.name_language,
            });
        }
    }
    // A name used on the journey or given to the authorities.
    if rng.gen_bool(population.alias_share) {
        let given = Spelled::new(pick_entry(rng, given_table(population, female)), None, rng);
        let family_entry = pick_entry(rng, population.family);
        let family = Spelled::new(family_form(family_entry, female), None, rng);
        names.push(OtherName {
            name: format!("{} {}", given.latin, family.latin),
            kind: "alias",
            script: "Latn",
            language: population.name_language,
        });
    }
    if child.native_primary && rng.gen_bool(0.25) {
        if let Some(variant) = child.given.respelled(rng) {
            names.push(OtherName {
                name: format!("{} {}", variant, child.family.latin),
                kind: "transliteration",
                script: "Latn",
                language: population.name_language,
            });
        }
    }
    names
}

fn consents(rng: &mut ChaCha8Rng, child: &Child, today: NaiveDate) -> Vec<Consent> {
    let tracing = if child.protection == "accompanied" { 0.1 } else { 0.55 };
    let shares = [("services", 0.92), ("sharing", 0.6), ("tracing", tracing), ("deidentified_reporting", 0.7)];
    // One person consents for the child, for everything asked at intake.
    let given_by = if child.age_at(child.date) >= 14 && rng.gen_bool(0.5) {
        "child"
    } else {
        match child.protection {
            "accompanied" => weighted(rng, &[("parent", 85), ("other", 15)]),
            "separated" => weighted(rng, &[("parent", 30), ("guardian", 50), ("other", 20)]),
            _ => weighted(rng, &[("guardian", 75), ("other", 25)]),
        }
    };
    let date = (child.date + Days::new(u64::from(rng.gen_range(0..15u32)))).min(today);
    shares
        .into_iter()
        .filter(|(_, share)| rng.gen_bool(*share))
        .map(|(purpose, _)| Consent { purpose, given_by, date })
        .collect()
}

impl Child {
    /// Whole years of age on `on`, as far as is known.
    fn age_at(&self, on: NaiveDate) -> u8 {
        match self.age {
            AgeRecord::Estimated(years) => years,
            AgeRecord::Born(born) => {
                let mut years = on.year() - born.year();
                if (on.month(), on.day()) < (born.month(), born.day()) {
                    years -= 1;
                }
                u8::try_from(years.max(0)).unwrap_or(u8::MAX)
            }
        }
    }

    fn assigned_username(&self) -> String {
        caseworker_username(self.org, self.caseworker)
    }

    fn to_demo(&self) -> DemoChild {
        DemoChild { organisation_key: self.org.key, assigned_username: self.assigned_username(), body: self.body() }
    }

    fn other_names(&self) -> Vec<OtherName> {
        let population = self.population;
        let latin_full = format!("{} {}", self.given.latin, self.family.latin);
        let native_full = match (&self.given.native, &self.family.native) {
            (Some(given), Some(family)) => Some(format!("{given} {family}")),
            _ => None,
        };
        let mut names = Vec::new();
        match native_full {
            Some(_) if self.native_primary => names.push(OtherName {
                name: latin_full,
                kind: "transliteration",
                script: "Latn",
                language: population.name_language,
            }),
            Some(native) if self.native_other => names.push(OtherName {
                name: native,
                kind: "transliteration",
                script: population.native_script,
                language: population.name_language,
            }),
            _ => {}
        }
        names.extend(self.extra_names.iter().cloned());
        names
    }

    fn body(&self) -> Value {
        let (mut given, mut family) = match (&self.given.native, &self.family.native) {
            (Some(given), Some(family)) if self.native_primary => (given.clone(), family.clone()),
            _ => (self.given.latin.clone(), self.family.latin.clone()),
        };
        if self.swapped {
            std::mem::swap(&mut given, &mut family);
        }
        let other_names: Vec<Value> = self
            .other_names()
            .into_iter()
            .map(|other| {
                json!({
                    "name": other.name,
                    "kind": other.kind,
                    "script": other.script,
                    "language": other.language,
                })
            })
            .collect();
        let mut child = json!({
            "given_name": given,
            "family_name": family,
            "other_names": other_names,
            "sex": self.sex,
            "age_disputed": self.age_disputed,
            "citizenship": self.citizenship,
            "languages": self.languages,
        });
        match self.age {
            AgeRecord::Born(born) => child["date_of_birth"] = json!(iso(born)),
            AgeRecord::Estimated(years) => child["estimated_age"] = json!(years),
        }
        let mut identification = json!({
            "date": iso(self.date),
            "place": self.place,
            "channel": self.channel,
        });
        if let Some(structure) = &self.local_structure {
            identification["local_structure"] = json!(structure);
        }
        let consents: Vec<Value> = self
            .consents
            .iter()
            .map(|consent| {
                json!({
                    "purpose": consent.purpose,
                    "given_by": consent.given_by,
                    "date": iso(consent.date),
                    "legal_basis": self.org.legal_basis,
                })
            })
            .collect();
        json!({
            "child": child,
            "identification": identification,
            "risk_level": self.risk,
            "protection_status": self.protection,
            "consents": consents,
        })
    }
}

/// Registers some children a second time, with another spelling, a later
/// date and a slightly different age: what the deduplication feature must find.
fn add_near_duplicates(rng: &mut ChaCha8Rng, children: &mut Vec<Child>, today: NaiveDate) {
    let mut used: Vec<usize> = Vec::new();
    for &(from, to) in NEAR_DUPLICATES {
        let Some(target) = ORGANISATIONS.iter().find(|org| org.key == to) else {
            continue;
        };
        let candidates: Vec<usize> = children
            .iter()
            .enumerate()
            .filter(|(i, child)| {
                child.org.key == from
                    && !used.contains(i)
                    && (today - child.date).num_days() >= 60
                    && (from == to || target.populations.iter().any(|(p, _)| p.name == child.population.name))
            })
            .map(|(i, _)| i)
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let original = candidates[below(rng, candidates.len())];
        used.push(original);
        let duplicate = near_duplicate(rng, &children[original], target, today);
        children.push(duplicate);
    }
}

fn near_duplicate(
    rng: &mut ChaCha8Rng,
    original: &Child,
    org: &'static OrganisationProfile,
    today: NaiveDate,
) -> Child {
    let mut child = original.clone();
    child.org = org;
    child.caseworker = below(rng, org.caseworkers.len());
    let max_gap = (today - original.date).num_days().clamp(20, 400);
    let gap = rng.gen_range(20..=max_gap);
    child.date = (original.date + Days::new(gap.unsigned_abs())).min(today);
    if org.key != original.org.key {
        let place = weighted_ref(rng, org.places);
        child.place = place.name;
        child.channel = weighted(rng, &[("police", 50), ("outreach", 50)]);
        child.local_structure = local_structure(rng, org, place, child.channel);
    } else if rng.gen_bool(0.5) {
        let place = weighted_ref(rng, org.places);
        child.place = place.name;
        child.local_structure = local_structure(rng, org, place, child.channel);
    }
    // The second registration is made in Latin letters, with another spelling.
    child.native_primary = false;
    let mut changed = false;
    if let Some(given) = child.given.respelled(rng) {
        child.given.latin = given;
        changed = true;
    }
    if !changed || rng.gen_bool(0.3) {
        if let Some(family) = child.family.respelled(rng) {
            child.family.latin = family;
            changed = true;
        }
    }
    if !changed {
        child.swapped = !child.swapped;
    }
    child.extra_names.retain(|name| name.kind == "nickname");
    child.age = match original.age {
        AgeRecord::Born(_) if rng.gen_bool(0.5) => original.age,
        _ => {
            let years = original.age_at(child.date);
            AgeRecord::Estimated((years + below(rng, 3) as u8).saturating_sub(1).max(1))
        }
    };
    child.age_disputed = original.age_disputed || rng.gen_bool(0.2);
    if rng.gen_bool(0.3) {
        child.citizenship.clear();
    }
    child.risk = weighted(rng, &[("high", 45), ("medium", 40), ("low", 15)]);
    child.consents = consents(rng, &child, today);
    child
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/// A uniform index below `n` (drawn as `u32`, so the stream is the same on
/// 32- and 64-bit platforms). `n` must be at least 1.
fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let n = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    rng.gen_range(0..n) as usize
}

/// Picks from a non-empty table of (item, weight).
fn weighted_ref<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for (item, weight) in items {
        if roll < *weight {
            return item;
        }
        roll -= weight;
    }
    &items[items.len() - 1].0
}

/// Like [`weighted_ref`], for small copyable items such as codes.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    *weighted_ref(rng, items)
}

/// The entries of a name table (comma-separated).
fn entries(table: &'static str) -> Vec<&'static str> {
    table.split(',').map(str::trim).filter(|entry| !entry.is_empty()).collect()
}

/// A uniformly chosen entry of a name table (empty if the table is).
fn pick_entry(rng: &mut ChaCha8Rng, table: &'static str) -> &'static str {
    let entries = entries(table);
    entries.get(below(rng, entries.len())).copied().unwrap_or_default()
}

/// The masculine or feminine form of a family-name entry (`masc~fem`).
fn family_form(entry: &'static str, female: bool) -> &'static str {
    match entry.split_once('~') {
        Some((_, feminine)) if female => feminine,
        Some((masculine, _)) => masculine,
        None => entry,
    }
}

fn weighted_age(rng: &mut ChaCha8Rng) -> u8 {
    let total: u32 = AGE_WEIGHTS.iter().sum();
    let mut roll = rng.gen_range(0..total);
    for (age, weight) in AGE_WEIGHTS.iter().enumerate() {
        if roll < *weight {
            return age as u8;
        }
        roll -= weight;
    }
    17
}

/// A birth date that makes the child `age` whole years old `today`.
fn date_of_birth(rng: &mut ChaCha8Rng, today: NaiveDate, age: u8) -> NaiveDate {
    let birthday = today.checked_sub_months(Months::new(12 * u32::from(age))).unwrap_or(today);
    let days_back = rng.gen_range(0..365u32);
    birthday - Days::new(u64::from(days_back))
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn strip_diacritics(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ë' | 'é' | 'è' => 'e',
            'Ë' | 'É' => 'E',
            'ç' => 'c',
            'Ç' => 'C',
            'ï' => 'i',
            'ô' => 'o',
            other => other,
        })
        .collect()
}

/// Writes an Albanian name in Macedonian Cyrillic, as North Macedonian
/// documents do: `Arbën Hoxha` → `Арбен Хоџа`.
fn albanian_to_macedonian_cyrillic(latin: &str) -> String {
    const DIGRAPHS: &[(&str, char)] = &[
        ("dh", 'д'),
        ("gj", 'ѓ'),
        ("ll", 'л'),
        ("nj", 'њ'),
        ("rr", 'р'),
        ("sh", 'ш'),
        ("th", 'т'),
        ("xh", 'џ'),
        ("zh", 'ж'),
    ];
    let lower = latin.to_lowercase();
    let mut out = String::new();
    let mut rest = lower.as_str();
    let mut word_start = true;
    while let Some(c) = rest.chars().next() {
        let (cyrillic, consumed) = match DIGRAPHS.iter().find(|(d, _)| rest.starts_with(d)) {
            Some(&(digraph, letter)) => (letter, digraph.len()),
            None => (single_letter(c), c.len_utf8()),
        };
        if word_start {
            out.extend(cyrillic.to_uppercase());
        } else {
            out.push(cyrillic);
        }
        word_start = !cyrillic.is_alphabetic();
        rest = &rest[consumed..];
    }
    out
}

fn single_letter(c: char) -> char {
    match c {
        'a' => 'а',
        'b' => 'б',
        'c' => 'ц',
        'ç' => 'ч',
        'd' => 'д',
        'e' | 'ë' => 'е',
        'f' => 'ф',
        'g' => 'г',
        'h' => 'х',
        'i' | 'y' => 'и',
        'j' => 'ј',
        'k' => 'к',
        'l' => 'л',
        'm' => 'м',
        'n' => 'н',
        'o' => 'о',
        'p' => 'п',
        'q' => 'ќ',
        'r' => 'р',
        's' => 'с',
        't' => 'т',
        'u' => 'у',
        'v' => 'в',
        'x' => 'ѕ',
        'z' => 'з',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet, HashSet};

    use safepath_domain::case::{NewCase, NewCaseInput};
    use safepath_domain::codes::{Role, Script};
    use safepath_domain::organisation::{NewOrganisation, NewOrganisationInput};
    use safepath_domain::user::{parse_interface_language, parse_username};

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn serialized(data: &DemoData) -> String {
        let organisations: Vec<&Value> = data.organisations.iter().map(|o| &o.body).collect();
        let users: Vec<String> = data.users.iter().map(|u| format!("{u:?}")).collect();
        let children: Vec<Value> =
            data.children.iter().map(|c| json!([c.organisation_key, c.assigned_username, c.body])).collect();
        serde_json::to_string(&json!([organisations, users, children])).unwrap()
    }

    #[test]
    fn is_deterministic_for_a_seed() {
        let a = generate(DEFAULT_SEED, today());
        let b = generate(DEFAULT_SEED, today());
        assert_eq!(serialized(&a), serialized(&b));
        let c = generate(DEFAULT_SEED + 1, today());
        assert_ne!(serialized(&a), serialized(&c));
    }

    #[test]
    fn every_body_is_accepted_by_the_domain() {
        for seed in [DEFAULT_SEED, 1, 2, 3, 42] {
            let data = generate(seed, today());
            for org in &data.organisations {
                let input: NewOrganisationInput = serde_json::from_value(org.body.clone()).unwrap();
                NewOrganisation::parse(input).unwrap();
            }
            for child in &data.children {
                let input: NewCaseInput =
                    serde_json::from_value(child.body.clone()).unwrap_or_else(|e| panic!("{e}: {}", child.body));
                assert!(input.assigned_to.is_none());
                let case = NewCase::parse(input, today()).unwrap_or_else(|e| panic!("{e:?}: {}", child.body));
                assert!(case.identification.date <= today());
                assert!(case.identification.date > today() - Days::new(3 * 366));
                for consent in &case.consents {
                    assert!(consent.date <= today());
                }
            }
            for user in &data.users {
                assert_eq!(parse_username(&user.username).unwrap(), user.username);
                Role::parse(user.role).unwrap();
                parse_interface_language(user.language).unwrap();
                assert!(data.organisations.iter().any(|o| o.key == user.organisation_key));
            }
        }
    }

    #[test]
    fn organisations_and_staff_cover_the_network() {
        let data = generate(DEFAULT_SEED, today());
        let countries: BTreeSet<&str> =
            data.organisations.iter().map(|o| o.body["countries"][0].as_str().unwrap()).collect();
        assert!(data.organisations.len() >= 4);
        assert!(countries.len() >= 4, "{countries:?}");
        for org in &data.organisations {
            let count =
                |role: &str| data.users.iter().filter(|u| u.organisation_key == org.key && u.role == role).count();
            assert!(count("supervisor") >= 1, "{}", org.key);
            assert!(count("caseworker") >= 2, "{}", org.key);
        }
        for role in ["manager", "analyst", "admin", "focal_point"] {
            assert!(data.users.iter().any(|u| u.role == role), "{role}");
        }
        let usernames: BTreeSet<&str> = data.users.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(usernames.len(), data.users.len(), "usernames are unique");
    }

    #[test]
    fn children_look_like_the_field() {
        let data = generate(DEFAULT_SEED, today());
        let n = data.children.len();
        assert!((250..=350).contains(&n), "{n}");

        let mut scripts = HashSet::new();
        let mut disputed = 0;
        let mut estimated = 0;
        let mut risks: BTreeMap<String, usize> = BTreeMap::new();
        for child in &data.children {
            let user = data.users.iter().find(|u| u.username == child.assigned_username).expect("assigned user exists");
            assert_eq!(user.role, "caseworker");
            assert_eq!(user.organisation_key, child.organisation_key);

            let input: NewCaseInput = serde_json::from_value(child.body.clone()).unwrap();
            let case = NewCase::parse(input, today()).unwrap();
            for name in case.child.all_names() {
                scripts.insert(Script::detect(name));
            }
            for other in &case.child.other_names {
                assert_eq!(Script::detect(&other.name), other.script, "{}", other.name);
                scripts.insert(other.script);
            }
            disputed += usize::from(case.child.age_disputed);
            estimated += usize::from(child.body["child"].get("estimated_age").is_some());
            *risks.entry(case.risk_level.to_string()).or_default() += 1;
        }
        for script in [Script::Latin, Script::Cyrillic, Script::Greek, Script::Devanagari] {
            assert!(scripts.contains(&script), "{script:?} in {scripts:?}");
        }
        assert!(scripts.len() >= 5, "{scripts:?}");
        assert!(disputed * 100 >= n * 5 && disputed * 100 <= n * 18, "{disputed}/{n}");
        assert!(estimated * 100 >= n * 45 && estimated * 100 <= n * 75, "{estimated}/{n}");
        assert!(risks["high"] > risks["low"], "{risks:?}");
        assert!(risks["medium"] > risks["high"], "{risks:?}");
    }

    #[test]
    fn includes_variants_siblings_twins_and_near_duplicates() {
        let data = generate(DEFAULT_SEED, today());
        let given: BTreeSet<&str> =
            data.children.iter().filter_map(|c| c.body["child"]["given_name"].as_str()).collect();
        let spellings = ["Mohammed", "Muhammad", "Mohamad", "Mohammad"].iter().filter(|s| given.contains(*s)).count();
        assert!(spellings >= 2, "spelling variants of Mohammed: {spellings}");

        let kinds: BTreeSet<&str> = data
            .children
            .iter()
            .flat_map(|c| c.body["child"]["other_names"].as_array().unwrap())
            .filter_map(|o| o["kind"].as_str())
            .collect();
        for kind in ["nickname", "alias", "transliteration"] {
            assert!(kinds.contains(kind), "{kind} in {kinds:?}");
        }

        // Same family name, place and date: siblings (and twins).
        let mut households: BTreeMap<(String, String, String), Vec<&Value>> = BTreeMap::new();
        for child in &data.children {
            let body = &child.body;
            let key = (
                body["child"]["family_name"].as_str().unwrap().to_string(),
                body["identification"]["place"].as_str().unwrap().to_string(),
                body["identification"]["date"].as_str().unwrap().to_string(),
            );
            households.entry(key).or_default().push(body);
        }
        let groups = households.values().filter(|h| h.len() >= 2).count();
        assert!(groups >= 6, "{groups} sibling groups");
        let twins = households
            .values()
            .filter(|h| {
                h.len() == 2
                    && h[0]["child"]["date_of_birth"].is_string()
                    && h[0]["child"]["date_of_birth"] == h[1]["child"]["date_of_birth"]
            })
            .count();
        assert!(twins >= 1, "twins with the same date of birth");

        let expected: usize = ORGANISATIONS.iter().map(|o| o.children).sum();
        assert_eq!(data.children.len(), expected + NEAR_DUPLICATES.len());
    }

    #[test]
    fn near_duplicates_are_spelled_differently() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let org = &ORGANISATIONS[1];
        let children = organisation_children(&mut rng, org, today());
        for original in children.iter().take(40) {
            let copy = near_duplicate(&mut rng, original, org, today());
            assert_ne!(copy.body()["child"], original.body()["child"]);
            assert!(copy.date >= original.date && copy.date <= today());
        }
    }

    #[test]
    fn transliterates_albanian_into_macedonian_cyrillic() {
        assert_eq!(albanian_to_macedonian_cyrillic("Arbën Hoxha"), "Арбен Хоџа");
        assert_eq!(albanian_to_macedonian_cyrillic("Krasniqi"), "Красниќи");
        assert_eq!(albanian_to_macedonian_cyrillic("Çela"), "Чела");
        assert_eq!(albanian_to_macedonian_cyrillic("Gjoka"), "Ѓока");
    }
}
