// The built-in two-level topic taxonomy the demo corpus is generated from. Each topic has request
// templates per language; `{a}`/`{b}` slots are filled from the topic's own word lists, so clusters
// have real vocabulary to find. `rare` topics are written by only a handful of users: the privacy
// thresholds must hide them from every output.

export type DemoLanguage = 'en' | 'fr' | 'es' | 'de';

export interface DemoTopic {
  id: string;
  templates: Partial<Record<DemoLanguage, string[]>>;
  a: string[];
  b: string[];
  /** Written by at most this many distinct users (below the default privacy threshold). */
  rare?: number;
}

export interface DemoCategory {
  id: string;
  topics: DemoTopic[];
}

export const DEMO_TAXONOMY: DemoCategory[] = [
  {
    id: 'software development',
    topics: [
      {
        id: 'debug python errors',
        templates: {
          en: ['I get a {a} in my Python script when I call {b}, how do I fix it?', 'Why does Python raise {a} inside {b}? Here is the traceback.', 'Help me debug this {a} thrown by {b} in my Python code'],
          fr: ['Mon script Python lève une {a} quand j’appelle {b}, comment corriger ?', 'Pourquoi Python lance une {a} dans {b} ?'],
        },
        a: ['KeyError', 'TypeError', 'IndexError', 'AttributeError', 'ValueError', 'ImportError'],
        b: ['pandas merge', 'json.loads', 'a list comprehension', 'requests.get', 'the dataclass constructor', 'numpy reshape'],
      },
      {
        id: 'write sql queries',
        templates: {
          en: ['Write a SQL query that joins {a} with {b} and counts rows per day', 'How do I write a SQL window function over {a} grouped by {b}?', 'Optimise this slow SQL query on the {a} table filtered by {b}'],
          de: ['Schreibe eine SQL-Abfrage, die {a} mit {b} verbindet', 'Wie optimiere ich diese langsame SQL-Abfrage auf {a}?'],
        },
        a: ['orders', 'customers', 'invoices', 'page_views', 'payments', 'shipments'],
        b: ['region', 'customer id', 'product category', 'signup month', 'store', 'status'],
      },
      {
        id: 'react frontend components',
        templates: {
          en: ['My React component {a} re-renders on every {b}, how do I stop it?', 'Build a React {a} component with hooks that handles {b}', 'How should I manage state for a React {a} when {b} changes?'],
          es: ['Mi componente React {a} se vuelve a renderizar con cada {b}', 'Crea un componente React {a} con hooks para {b}'],
        },
        a: ['dropdown', 'modal dialog', 'data table', 'login form', 'image carousel', 'sidebar'],
        b: ['keystroke', 'route change', 'window resize', 'props update', 'fetch response', 'context update'],
      },
      {
        id: 'git version control',
        templates: {
          en: ['How do I undo a git {a} after I already {b}?', 'Explain git {a} versus {b} with an example', 'I messed up a git {a} and now {b}, help'],
        },
        a: ['rebase', 'merge', 'commit', 'cherry-pick', 'force push', 'stash'],
        b: ['pushed to main', 'resolved conflicts', 'deleted the branch', 'amended the commit', 'pulled from origin'],
      },
    ],
  },
  {
    id: 'cooking and recipes',
    topics: [
      {
        id: 'weeknight dinner recipes',
        templates: {
          en: ['Give me a quick weeknight dinner recipe with {a} and {b}', 'What can I cook tonight with {a}, {b} and rice?', 'Suggest an easy one-pan dinner using {a} and {b}'],
          fr: ['Donne-moi une recette rapide pour le dîner avec {a} et {b}', 'Que cuisiner ce soir avec {a} et {b} ?'],
          es: ['Dame una receta rápida para la cena con {a} y {b}', '¿Qué puedo cocinar esta noche con {a} y {b}?'],
        },
        a: ['chicken thighs', 'salmon', 'chickpeas', 'tofu', 'ground beef', 'shrimp'],
        b: ['spinach', 'sweet potatoes', 'coconut milk', 'broccoli', 'tomatoes', 'mushrooms'],
      },
      {
        id: 'baking bread and cakes',
        templates: {
          en: ['Why did my {a} come out {b}?', 'How long should I proof {a} dough so it is not {b}?', 'Fix my {a} recipe, it always turns out {b}'],
          de: ['Warum ist mein {a} so {b} geworden?', 'Wie lange muss der Teig für {a} gehen?'],
        },
        a: ['sourdough loaf', 'banana bread', 'chocolate cake', 'brioche', 'focaccia', 'cheesecake'],
        b: ['dense', 'flat', 'too dry', 'gummy inside', 'cracked on top', 'sunken in the middle'],
      },
      {
        id: 'meal prep and nutrition',
        templates: {
          en: ['Plan a week of meal prep with {a} for someone who wants {b}', 'How much {a} should I eat per day for {b}?', 'Make a high protein meal prep plan around {a} for {b}'],
          es: ['Planifica una semana de comidas con {a} para {b}'],
        },
        a: ['protein', 'lentils', 'oats', 'greek yogurt', 'quinoa', 'eggs'],
        b: ['muscle gain', 'weight loss', 'a vegetarian diet', 'marathon training', 'lower cholesterol'],
      },
    ],
  },
  {
    id: 'travel planning',
    topics: [
      {
        id: 'itineraries',
        templates: {
          en: ['Plan a {a} itinerary in {b} for a family with kids', 'What should I see on a {a} trip to {b}?', 'Create a {a} travel itinerary for {b} on a budget'],
          fr: ['Prépare un itinéraire de {a} à {b} pour une famille', 'Que visiter pendant {a} à {b} ?'],
          de: ['Plane eine Reiseroute für {a} in {b}', 'Was sollte ich bei {a} in {b} besichtigen?'],
        },
        a: ['three day', 'one week', 'weekend', 'ten day', 'two week'],
        b: ['Lisbon', 'Kyoto', 'the Scottish Highlands', 'Mexico City', 'Iceland', 'Morocco'],
      },
      {
        id: 'visas and documents',
        templates: {
          en: ['Do I need a {a} to travel to {b}?', 'How long does a {a} application for {b} take?', 'What documents are required for a {a} for {b}?'],
          es: ['¿Necesito una {a} para viajar a {b}?'],
        },
        a: ['tourist visa', 'transit visa', 'work permit', 'visa on arrival', 'electronic travel authorisation'],
        b: ['Japan', 'Canada', 'the Schengen area', 'Australia', 'India', 'Brazil'],
      },
      {
        id: 'packing lists',
        templates: {
          en: ['Make a packing list for {a} in {b}', 'What should I pack for {a} during {b}?'],
          fr: ['Fais une liste de bagages pour {a} en {b}'],
        },
        a: ['a hiking trip', 'a beach holiday', 'a ski week', 'a business trip', 'a camping weekend'],
        b: ['winter', 'the rainy season', 'summer', 'autumn', 'early spring'],
      },
    ],
  },
  {
    id: 'writing and editing',
    topics: [
      {
        id: 'cover letters and resumes',
        templates: {
          en: ['Write a cover letter for a {a} position emphasising {b}', 'Improve my resume summary for a {a} role, highlight {b}', 'Tailor my CV for a {a} job that asks for {b}'],
          fr: ['Rédige une lettre de motivation pour un poste de {a} en mettant en avant {b}'],
          de: ['Schreibe ein Anschreiben für eine Stelle als {a} mit Fokus auf {b}'],
        },
        a: ['data analyst', 'nurse', 'project manager', 'software engineer', 'teacher', 'marketing coordinator'],
        b: ['leadership', 'teamwork', 'attention to detail', 'customer service', 'budget management'],
      },
      {
        id: 'emails to colleagues',
        templates: {
          en: ['Draft a polite email to my {a} about {b}', 'Rewrite this email to my {a} so it sounds less harsh about {b}', 'Help me reply to my {a} who asked about {b}'],
          es: ['Redacta un correo educado a mi {a} sobre {b}'],
        },
        a: ['manager', 'team', 'client', 'landlord', 'professor', 'coworker'],
        b: ['a missed deadline', 'asking for a raise', 'a schedule change', 'a late payment', 'taking sick leave'],
      },
      {
        id: 'short stories and poems',
        templates: {
          en: ['Write a short story about {a} set in {b}', 'Write a poem about {a} in the style of {b}', 'Give me a story idea involving {a} and {b}'],
          fr: ['Écris une courte histoire sur {a} qui se passe {b}', 'Écris un poème sur {a}'],
        },
        a: ['a lighthouse keeper', 'a lost dog', 'a time traveller', 'a dragon', 'an old violin', 'a robot gardener'],
        b: ['a small fishing village', 'a haiku', 'a rainy city', 'the distant future', 'a medieval castle'],
      },
    ],
  },
  {
    id: 'health and fitness',
    topics: [
      {
        id: 'workout routines',
        templates: {
          en: ['Design a {a} workout routine I can do {b}', 'Is a {a} program enough if I train {b}?', 'Give me a beginner {a} plan for {b}'],
          de: ['Erstelle einen {a} Trainingsplan für {b}'],
          es: ['Diseña una rutina de {a} para hacer {b}'],
        },
        a: ['strength training', 'running', 'yoga', 'HIIT', 'calisthenics', 'swimming'],
        b: ['three times a week', 'at home without equipment', 'in 20 minutes a day', 'before work', 'on weekends'],
      },
      {
        id: 'sleep problems',
        templates: {
          en: ['I keep {a} at night, what could help with {b}?', 'Tips for {a} when I also have {b}', 'Why do I wake up {a} even with {b}?'],
          fr: ['Je n’arrive pas à dormir, {a}, que faire pour {b} ?'],
        },
        a: ['waking up at 3am', 'falling asleep late', 'tossing and turning', 'feeling tired', 'having vivid dreams'],
        b: ['stress at work', 'a new baby', 'jet lag', 'too much caffeine', 'screen time'],
      },
    ],
  },
  {
    id: 'personal finance',
    topics: [
      {
        id: 'budgeting',
        templates: {
          en: ['Help me make a monthly budget with {a} income and {b}', 'How should I split {a} between savings and {b}?', 'Build a budget spreadsheet for {a} with {b}'],
          es: ['Ayúdame a hacer un presupuesto mensual con {a} y {b}'],
          de: ['Hilf mir bei einem Monatsbudget mit {a} und {b}'],
        },
        a: ['a 3000 dollar', 'irregular freelance', 'a student', 'a single', 'a household'],
        b: ['student loans', 'rent and groceries', 'credit card debt', 'childcare costs', 'a car payment'],
      },
      {
        id: 'investing basics',
        templates: {
          en: ['Explain {a} versus {b} for a beginner investor', 'Should I put my savings in {a} or {b}?', 'What are the risks of {a} compared to {b}?'],
          fr: ['Explique la différence entre {a} et {b} pour un débutant'],
        },
        a: ['index funds', 'ETFs', 'bonds', 'a retirement account', 'dividend stocks'],
        b: ['individual stocks', 'a savings account', 'real estate', 'crypto', 'gold'],
      },
    ],
  },
  {
    id: 'education and homework',
    topics: [
      {
        id: 'math homework',
        templates: {
          en: ['Solve this {a} problem step by step: {b}', 'Explain how to do {a} with the example {b}', 'I do not understand {a}, can you walk through {b}?'],
          es: ['Resuelve este problema de {a} paso a paso: {b}'],
          fr: ['Explique-moi comment résoudre ce problème de {a} : {b}'],
        },
        a: ['algebra', 'calculus', 'probability', 'geometry', 'linear equations', 'derivatives'],
        b: ['2x + 5 = 17', 'the derivative of x^3 sin x', 'two dice summing to 8', 'the area of a triangle', 'the limit of 1/x'],
      },
      {
        id: 'history essays',
        templates: {
          en: ['Help me outline an essay on {a} and its effect on {b}', 'Summarise the main causes of {a} for my history class on {b}'],
          de: ['Hilf mir bei einem Aufsatz über {a} und {b}'],
        },
        a: ['the French Revolution', 'the industrial revolution', 'the fall of Rome', 'the Cold War', 'the printing press'],
        b: ['European politics', 'working conditions', 'trade', 'modern democracy', 'literacy'],
      },
      {
        id: 'language learning',
        templates: {
          en: ['How do I use {a} correctly in {b}?', 'Give me exercises to practise {a} in {b}', 'What is the difference between {a} in {b}?'],
          fr: ['Comment utiliser {a} correctement en {b} ?'],
        },
        a: ['the subjunctive', 'past tenses', 'prepositions', 'articles', 'phrasal verbs'],
        b: ['Spanish', 'French', 'German', 'Italian', 'English'],
      },
    ],
  },
  {
    id: 'rare personal matters',
    topics: [
      {
        id: 'beekeeping permits',
        rare: 2,
        templates: { en: ['What permit do I need for {a} hives near {b}?', 'Registering {a} beehives close to {b}'] },
        a: ['zanzibarian', 'quillfeather', 'obscura'],
        b: ['the marshlands', 'a schoolyard', 'the vicarage'],
      },
      {
        id: 'antique clock repair',
        rare: 3,
        templates: { en: ['How do I repair the {a} escapement on a {b} clock?', 'My {b} clock {a} mechanism stopped'] },
        a: ['verge', 'grasshopper', 'deadbeat'],
        b: ['Vulliamy', 'Tompion', 'Harrisonian'],
      },
    ],
  },
];
